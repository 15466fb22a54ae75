import type { QueryFilter, UpdateQuery } from 'mongoose';
import type { ConnectorDoc, ConnectorModel } from '../db/models/connector.model.js';
import type { Caller } from '../domain/caller.js';
import { AppError, ErrorCode, notFound } from '../domain/errors.js';
import { connectorScope, parseId } from '../db/access-scope.js';

/**
 * Reads and writes connectors through the caller's scope. Uninstalled connectors are invisible:
 * they answer NOT_FOUND like ids of other companies.
 */
export class ConnectorStore {
  constructor(private readonly Connector: ConnectorModel) {}

  filterFor(caller: Caller, id: string): QueryFilter<ConnectorDoc> {
    return {
      $and: [{ _id: parseId(id, 'Connector') }, connectorScope(caller), { uninstalledAt: null }],
    };
  }

  async require(caller: Caller, id: string): Promise<ConnectorDoc> {
    const doc = await this.Connector.findOne(this.filterFor(caller, id)).lean<ConnectorDoc>();
    if (!doc) throw notFound('Connector');
    return doc;
  }

  /**
   * One conditional update. `precondition` is part of the filter, so a concurrent change that
   * breaks it makes the update match nothing: then NOT_FOUND if the connector is gone from the
   * caller's scope, otherwise CONFLICT with `conflictMessage`.
   */
  async update(
    caller: Caller,
    id: string,
    update: UpdateQuery<ConnectorDoc>,
    options: { precondition?: QueryFilter<ConnectorDoc>; conflictMessage?: string } = {},
  ): Promise<{ before: ConnectorDoc; after: ConnectorDoc }> {
    const filter = this.filterFor(caller, id);
    if (options.precondition)
      (filter.$and as QueryFilter<ConnectorDoc>[]).push(options.precondition);
    const before = await this.Connector.findOneAndUpdate(filter, update, {
      returnDocument: 'before',
      runValidators: true,
    }).lean<ConnectorDoc>();
    if (!before) {
      await this.require(caller, id);
      throw new AppError(
        ErrorCode.CONFLICT,
        options.conflictMessage ?? 'The connector changed meanwhile; reload and try again',
      );
    }
    const after = await this.Connector.findById(before._id).lean<ConnectorDoc>();
    if (!after) throw notFound('Connector');
    return { before, after };
  }
}

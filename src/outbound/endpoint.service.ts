import { Types } from 'mongoose';
import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.js';
import type { CompanyModel } from '../db/models/company.model.js';
import type { OutboundModels } from '../db/models/outbound-models.js';
import type { EndpointSecret, WebhookEndpointDoc } from '../db/models/webhook-endpoint.model.js';
import type { Caller } from '../domain/caller.js';
import { AppError, ErrorCode, notFound } from '../domain/errors.js';
import { companyInScope } from '../feed/company-access.js';
import type { FeedStore } from '../feed/feed-store.js';
import {
  checkedDescription,
  checkedEventTypes,
  checkedGraceHours,
  checkedUrl,
} from './endpoint-input.js';
import {
  endpointRecord,
  type WebhookEndpointRecord,
  type WebhookPage,
} from './endpoint-records.js';
import type { OutboundSettings } from './outbound-settings.js';
import type { ParkedDeliveries } from './parked-deliveries.js';
import type { ResolveAll } from './safe-target.js';
import { endpointSecretPurpose, newEndpointSecret } from './webhook-signer.js';

/** Endpoints per company. */
export const MAX_ENDPOINTS_PER_COMPANY = 20;
const MAX_PAGE = 100;

export interface EndpointServiceDeps {
  models: Pick<OutboundModels, 'WebhookEndpoint' | 'WebhookAttemptChunk'> & {
    Company: CompanyModel;
  };
  box: SecretBox;
  settings: OutboundSettings;
  store: FeedStore;
  parked: ParkedDeliveries;
  clock: () => number;
  logger: Logger;
  resolve?: ResolveAll;
}

export interface EndpointInput {
  url?: string | null;
  description?: string | null;
  eventTypes?: string[] | null;
}

/** An endpoint with its secret: the only answer that ever carries it. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpointRecord;
  secret: string;
}

/**
 * Webhook endpoints per company, through the caller's scope (a partner admin's companies, a
 * company admin's own; an endpoint outside it is NOT_FOUND). Every input is checked before
 * anything is written, so a refusal changes nothing.
 */
export class WebhookEndpointService {
  constructor(private readonly deps: EndpointServiceDeps) {}

  async list(
    caller: Caller,
    companyId: string,
    first: number,
    after?: string | null,
  ): Promise<WebhookPage<WebhookEndpointRecord>> {
    await companyInScope(this.deps.models.Company, caller, companyId);
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `first: must be between 1 and ${MAX_PAGE}`, {
        details: { field: 'first' },
      });
    }
    const docs = await this.deps.models.WebhookEndpoint.find({ companyId }).lean<
      WebhookEndpointDoc[]
    >();
    const from = after ? decodeEndpointCursor(after) : '';
    const rest = docs
      .filter((d) => d._id.toHexString() > from)
      .sort((a, b) => a._id.toHexString().localeCompare(b._id.toHexString()));
    const page = rest.slice(0, first);
    const cursors = page.map((doc) =>
      Buffer.from(`e1:${doc._id.toHexString()}`).toString('base64url'),
    );
    return {
      nodes: page.map(endpointRecord),
      cursors,
      hasNextPage: rest.length > first,
      endCursor: cursors[cursors.length - 1] ?? null,
      // At most MAX_ENDPOINTS_PER_COMPANY: all of them are read, so the count is exact.
      totalCount: docs.length,
    };
  }

  async create(
    caller: Caller,
    companyId: string,
    input: EndpointInput,
  ): Promise<EndpointWithSecret> {
    const { company } = await companyInScope(this.deps.models.Company, caller, companyId);
    if (!input.url)
      throw new AppError(ErrorCode.BAD_USER_INPUT, 'url: required', { details: { field: 'url' } });
    const url = await checkedUrl(input.url, this.deps.settings, this.deps.resolve);
    const eventTypes = checkedEventTypes(input.eventTypes);
    const description = checkedDescription(input.description);
    const count = await this.deps.models.WebhookEndpoint.countDocuments({ companyId });
    if (count >= MAX_ENDPOINTS_PER_COMPANY) {
      throw new AppError(
        ErrorCode.CONFLICT,
        `A company has at most ${MAX_ENDPOINTS_PER_COMPANY} webhook endpoints; delete one first`,
      );
    }
    const _id = new Types.ObjectId();
    const secret = newEndpointSecret();
    const now = new Date(this.deps.clock());
    // New endpoints start at the feed's head: they get what changes from now on (replay for more).
    const { committed } = await this.deps.store.head(companyId);
    const doc = await this.deps.models.WebhookEndpoint.create({
      _id,
      companyId,
      partnerId: company.partnerId,
      url,
      description,
      eventTypes,
      enabled: true,
      secrets: [this.seal(_id.toHexString(), secret, now, null)],
      cursor: committed,
    });
    this.deps.logger.info({ endpointId: _id.toHexString(), companyId }, 'webhook endpoint created');
    return { endpoint: endpointRecord(doc.toObject()), secret };
  }

  async update(
    caller: Caller,
    endpointId: string,
    input: EndpointInput,
  ): Promise<WebhookEndpointRecord> {
    await this.inScope(caller, endpointId);
    const set: Partial<WebhookEndpointDoc> = {};
    if (input.url !== undefined && input.url !== null) {
      set.url = await checkedUrl(input.url, this.deps.settings, this.deps.resolve);
    }
    if (input.eventTypes !== undefined && input.eventTypes !== null) {
      set.eventTypes = checkedEventTypes(input.eventTypes);
    }
    if (input.description !== undefined && input.description !== null) {
      set.description = checkedDescription(input.description);
    }
    return this.write(endpointId, { $set: set });
  }

  /** A new current secret (shown once); the previous one keeps signing for the grace period. */
  async rotateSecret(
    caller: Caller,
    endpointId: string,
    graceHours?: number | null,
  ): Promise<EndpointWithSecret> {
    const ep = await this.inScope(caller, endpointId);
    const graceMs = checkedGraceHours(graceHours, this.deps.settings.secretGraceMs);
    const now = this.deps.clock();
    const secret = newEndpointSecret();
    const current = ep.secrets[0]!;
    const secrets: EndpointSecret[] = [this.seal(endpointId, secret, new Date(now), null)];
    if (graceMs > 0) secrets.push({ ...current, expiresAt: new Date(now + graceMs) });
    const endpoint = await this.write(endpointId, { $set: { secrets } });
    this.deps.logger.info({ endpointId, graceMs }, 'webhook endpoint secret rotated');
    return { endpoint, secret };
  }

  /** Enabling again clears the failure streak; delivery resumes from the saved position. */
  async setEnabled(
    caller: Caller,
    endpointId: string,
    enabled: boolean,
  ): Promise<WebhookEndpointRecord> {
    await this.inScope(caller, endpointId);
    return this.write(endpointId, {
      $set: enabled
        ? { enabled: true, disabledReason: null, disabledAt: null, failing: null }
        : {
            enabled: false,
            disabledReason: 'Disabled by an administrator.',
            disabledAt: new Date(this.deps.clock()),
          },
    });
  }

  async delete(caller: Caller, endpointId: string): Promise<WebhookEndpointRecord> {
    const ep = await this.inScope(caller, endpointId);
    await this.deps.models.WebhookEndpoint.deleteOne({ _id: ep._id });
    await this.deps.parked.removeAll(endpointId);
    await this.deps.models.WebhookAttemptChunk.deleteMany({ endpointId });
    this.deps.logger.info({ endpointId, companyId: ep.companyId }, 'webhook endpoint deleted');
    return endpointRecord(ep);
  }

  /** The endpoint if the caller may see it; NOT_FOUND otherwise (and for a malformed id). */
  async inScope(caller: Caller, endpointId: string): Promise<WebhookEndpointDoc> {
    const ep = /^[0-9a-f]{24}$/i.test(endpointId)
      ? await this.deps.models.WebhookEndpoint.findById(endpointId).lean<WebhookEndpointDoc>()
      : null;
    if (!ep) throw notFound('Webhook endpoint');
    try {
      await companyInScope(this.deps.models.Company, caller, ep.companyId);
    } catch (error) {
      if ((error as AppError).code === ErrorCode.NOT_FOUND) throw notFound('Webhook endpoint');
      throw error;
    }
    return ep;
  }

  private async write(endpointId: string, update: Record<string, unknown>) {
    const doc = await this.deps.models.WebhookEndpoint.findOneAndUpdate(
      { _id: endpointId },
      update,
      {
        returnDocument: 'after',
      },
    ).lean<WebhookEndpointDoc>();
    if (!doc) throw notFound('Webhook endpoint');
    return endpointRecord(doc);
  }

  private seal(
    endpointId: string,
    secret: string,
    at: Date,
    expiresAt: Date | null,
  ): EndpointSecret {
    return {
      sealed: this.deps.box.seal(secret, endpointSecretPurpose(endpointId)),
      createdAt: at,
      expiresAt,
    };
  }
}

function decodeEndpointCursor(cursor: string): string {
  const match = /^e1:([0-9a-f]{24})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'after: not a cursor from a previous page', {
      details: { field: 'after' },
    });
  }
  return match[1]!;
}

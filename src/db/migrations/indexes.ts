import { createHash } from 'node:crypto';
import type { Connection, Model } from 'mongoose';
import { changeNoticeModel } from '../models/change-notice.model.js';
import { companyModel } from '../models/company.model.js';
import { connectorModel } from '../models/connector.model.js';
import { consentStateModel, ensureConsentStateTtl } from '../models/consent-state.model.js';
import { graphSubscriptionModel } from '../models/graph-subscription.model.js';
import { jobCursorModel } from '../models/job-cursor.model.js';
import { leaseModel } from '../models/lease.model.js';
import { outboundModels } from '../models/outbound-models.js';
import { partnerModel } from '../models/partner.model.js';
import { syncModels } from '../models/sync-models.js';

/** One collection's indexes as the code declares them (mongoose schema indexes). */
export interface IndexPlan {
  collection: string;
  indexes: [Record<string, unknown>, Record<string, unknown>][];
}

type AnyModel = Model<never>;

/** What listIndexes answers, as far as read here. */
interface IndexDescription {
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
}

/**
 * Every model of the hub on the connection (mongoose returns the compiled model when the same
 * schema is compiled again). A model added to src/db/models must be listed here.
 */
export function hubModels(connection: Connection): AnyModel[] {
  const models: unknown[] = [
    partnerModel(connection),
    companyModel(connection),
    connectorModel(connection),
    consentStateModel(connection),
    ...(Object.values(syncModels(connection)) as unknown[]),
    ...(Object.values(outboundModels(connection)) as unknown[]),
    graphSubscriptionModel(connection),
    changeNoticeModel(connection),
    jobCursorModel(connection),
    leaseModel(connection),
  ];
  return models as AnyModel[];
}

/** Created beside the schema indexes (ensureConsentStateTtl): not extra. */
const TTL_INDEXES = new Set(['consent_states.expiresAt_1']);

/** The declared indexes, sorted, so the same code always yields the same plan. */
export function indexPlan(connection: Connection): IndexPlan[] {
  return hubModels(connection)
    .map((model) => ({
      collection: model.collection.collectionName,
      indexes: model.schema.indexes(),
    }))
    .sort((a, b) => a.collection.localeCompare(b.collection));
}

/**
 * Short digest of the index plan (plus the consent-state TTL index created beside it). The
 * `migrations` collection records the digest of every plan `migrate` applied, so an instance
 * started with automatic migration off can tell whether its own plan is in place.
 */
export function indexFingerprint(plan: readonly IndexPlan[]): string {
  const text = JSON.stringify([plan, 'consent_states:{expiresAt:1} ttl 0']);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Creates every collection and every declared index that is missing (createIndexes: an index that exists with the
 * same definition is left alone). Indexes the code no longer declares are reported, never
 * dropped: an operator may have added one on purpose, and an older release still running
 * during an upgrade may need it.
 */
export async function ensureIndexes(
  connection: Connection,
  reportExtra = true,
): Promise<{ collections: number; extra: string[] }> {
  const models = hubModels(connection);
  const extra: string[] = [];
  for (const model of models) {
    // Mongoose ignores "already exists"; with autoCreate off nothing else creates it before use.
    await model.createCollection();
    await model.createIndexes();
    if (reportExtra) extra.push(...(await undeclared(model)));
  }
  await ensureConsentStateTtl(consentStateModel(connection));
  return { collections: models.length, extra };
}

/**
 * Indexes whose keys no schema declares. Compared by key only: mongoose's diffIndexes also
 * compares options, and FerretDB v1 (the test database) reports `sparse` differently.
 */
async function undeclared(model: AnyModel): Promise<string[]> {
  const name = model.collection.collectionName;
  const declared = new Set(model.schema.indexes().map(([fields]) => JSON.stringify(fields)));
  const present = (await model.collection.listIndexes().toArray()) as IndexDescription[];
  return present
    .filter((index) => index.name !== '_id_' && !declared.has(JSON.stringify(index.key)))
    .map((index) => `${name}.${index.name}`)
    .filter((qualified) => !TTL_INDEXES.has(qualified));
}

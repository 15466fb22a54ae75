import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * One admin-consent round trip. The `state` sent to Microsoft is a random nonce; only its hash is
 * stored. It is bound to one connector, tenant and client, short-lived, and consumed by one conditional
 * update (usedAt: null -> now), so a replay finds nothing.
 */
export interface ConsentStateDoc {
  _id: Types.ObjectId;
  nonceHash: string;
  connectorId: Types.ObjectId;
  tenantId: string;
  clientId: string;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

const consentStateSchema = new Schema<ConsentStateDoc>(
  {
    nonceHash: { type: String, required: true, unique: true },
    connectorId: { type: Schema.Types.ObjectId, required: true, index: true },
    tenantId: { type: String, required: true },
    clientId: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'consent_states' },
);

export type ConsentStateModel = Model<ConsentStateDoc>;

export function consentStateModel(connection: Connection): ConsentStateModel {
  return connection.model<ConsentStateDoc>('ConsentState', consentStateSchema);
}

/**
 * The TTL index only tidies up: expiry is enforced by the consume query itself. FerretDB v1 (the
 * CI database) does not implement TTL indexes, so failing to create one is not fatal; callers
 * also delete expired states of a connector when they issue a new one.
 */
export async function ensureConsentStateTtl(model: ConsentStateModel): Promise<boolean> {
  try {
    await model.collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    return true;
  } catch {
    return false;
  }
}

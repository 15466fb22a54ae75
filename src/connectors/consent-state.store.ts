import { generateOpaqueToken, hashToken } from '../crypto/opaque-token.js';
import type { ConsentStateDoc, ConsentStateModel } from '../db/models/consent-state.model.js';
import type { Types } from 'mongoose';

/** Admin consent must come back within this time (the admin is at the Microsoft page). */
export const CONSENT_STATE_TTL_MS = 10 * 60_000;

/**
 * Issues and consumes admin-consent `state` values. A state is random, stored only as a hash,
 * bound to one connector and its tenant + client at issue time, and consumed by a single
 * conditional update, so a replay, an expired state and a forged one all find nothing.
 */
export class ConsentStateStore {
  constructor(
    private readonly ConsentState: ConsentStateModel,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async issue(binding: {
    connectorId: Types.ObjectId;
    tenantId: string;
    clientId: string;
  }): Promise<string> {
    const state = generateOpaqueToken('cs', 24);
    const now = this.now();
    // FerretDB has no TTL indexes: tidy this connector's stale states on every issue instead.
    await this.ConsentState.deleteMany({
      connectorId: binding.connectorId,
      expiresAt: { $lt: now },
    });
    await this.ConsentState.create({
      nonceHash: hashToken(state),
      connectorId: binding.connectorId,
      tenantId: binding.tenantId,
      clientId: binding.clientId,
      expiresAt: new Date(now.getTime() + CONSENT_STATE_TTL_MS),
    });
    return state;
  }

  /** The binding of a valid state, marking it used; null when unknown, expired or used. */
  async consume(state: string): Promise<ConsentStateDoc | null> {
    if (state.length === 0 || state.length > 200) return null;
    const now = this.now();
    return this.ConsentState.findOneAndUpdate(
      { nonceHash: hashToken(state), usedAt: null, expiresAt: { $gt: now } },
      { $set: { usedAt: now } },
      { returnDocument: 'after' },
    ).lean<ConsentStateDoc>();
  }
}

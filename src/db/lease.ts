import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode } from '../domain/errors.js';
import type { LeaseModel } from './models/lease.model.js';

export interface LeaseOptions {
  /** How long the claim holds if its owner dies without releasing it. */
  ttlMs: number;
  /** How long to wait for a busy lease before giving up with CONFLICT. */
  waitMs?: number;
  pollMs?: number;
}

/**
 * Runs `work` while holding the lease `key`. The claim is one conditional upsert (free or expired
 * -> mine): atomic on MongoDB, and on FerretDB behind the launcher's write serializer. A lost race
 * on the insert surfaces as a duplicate key, which means "held by someone else".
 */
export async function withLease<T>(
  leases: LeaseModel,
  key: string,
  options: LeaseOptions,
  work: () => Promise<T>,
): Promise<T> {
  const owner = randomUUID();
  const deadline = Date.now() + (options.waitMs ?? 0);
  while (!(await tryAcquire(leases, key, owner, options.ttlMs))) {
    if (Date.now() >= deadline) {
      throw new AppError(ErrorCode.CONFLICT, 'another hub instance is working on this connector', {
        details: { lease: key },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
  }
  try {
    return await work();
  } finally {
    await leases.deleteOne({ _id: key, owner }).catch(() => undefined);
  }
}

async function tryAcquire(
  leases: LeaseModel,
  key: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  const now = new Date();
  try {
    const claimed = await leases.findOneAndUpdate(
      { _id: key, until: { $lte: now } },
      { $set: { owner, until: new Date(now.getTime() + ttlMs) } },
      { upsert: true, returnDocument: 'after', setDefaultsOnInsert: false },
    );
    return claimed?.owner === owner;
  } catch (error) {
    if ((error as { code?: number }).code === 11000) return false;
    throw error;
  }
}

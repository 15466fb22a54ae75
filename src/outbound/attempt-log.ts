import {
  ATTEMPT_LOG_CHUNKS,
  attemptChunkId,
  attemptRecord,
  storedAttempt,
  type AttemptRecord,
  type WebhookAttemptChunkDoc,
  type WebhookAttemptChunkModel,
} from '../db/models/webhook-attempt.model.js';
import type { WebhookEndpointModel } from '../db/models/webhook-endpoint.model.js';
import { pack, unpack } from '../db/models/packed.js';
import type { WebhookAttemptView } from './endpoint-records.js';

export interface AttemptPage {
  /** Each with its position (`cursor`) for paging. */
  attempts: WebhookAttemptView[];
  hasNextPage: boolean;
  endCursor: string | null;
  /** Every attempt the log keeps (the newest ATTEMPT_LOG_CHUNKS rounds), on all pages. */
  totalCount: number;
}

/** Chunks read per round trip when paging. */
const READ_CHUNKS = 4;

/**
 * An endpoint's attempts, newest first: one chunk document per delivery round, numbered per
 * endpoint (the endpoint's `logChunk` is the newest), so pages are read by `_id` and the oldest
 * chunk is removed as a new one is written.
 */
export class AttemptLog {
  constructor(
    private readonly chunks: WebhookAttemptChunkModel,
    private readonly endpoints: WebhookEndpointModel,
  ) {}

  /**
   * Appends a round's attempts. `known`: the newest chunk number the caller read with the
   * endpoint; when another writer (a test send) took the next number meanwhile, a fresh one is
   * drawn. Returns the chunk number written (the caller records it on the endpoint).
   */
  async append(endpointId: string, attempts: readonly AttemptRecord[], known: number | null) {
    if (attempts.length === 0) return null;
    let chunk = known === null ? await this.draw(endpointId) : known + 1;
    const at = attempts[0]!.at;
    const stored = attempts.map((attempt) => storedAttempt(attempt, at));
    for (let tries = 0; ; tries += 1) {
      try {
        const doc: WebhookAttemptChunkDoc = {
          _id: attemptChunkId(endpointId, chunk),
          endpointId,
          chunk,
          attempts: pack(stored),
          count: attempts.length,
          at,
          createdAt: new Date(),
        };
        await this.chunks.insertMany([doc], { lean: true });
        break;
      } catch (error) {
        if ((error as { code?: number }).code !== 11000 || tries > 3) throw error;
        chunk = await this.draw(endpointId);
      }
    }
    if (chunk > ATTEMPT_LOG_CHUNKS) {
      await this.chunks.deleteOne({ _id: attemptChunkId(endpointId, chunk - ATTEMPT_LOG_CHUNKS) });
    }
    return chunk;
  }

  /** Newest first from `after` (an opaque position from a previous page). */
  async page(
    endpointId: string,
    newest: number,
    first: number,
    after: string | null,
  ): Promise<AttemptPage> {
    // The service checked the cursor (BAD_USER_INPUT otherwise).
    const start = after ? decodePosition(after) : null;
    const oldest = Math.max(1, newest - ATTEMPT_LOG_CHUNKS + 1);
    const found: { attempt: AttemptRecord; position: string }[] = [];
    for (
      let chunk = start?.chunk ?? newest;
      chunk >= oldest && found.length <= first;
      chunk -= READ_CHUNKS
    ) {
      const ids: string[] = [];
      for (let n = chunk; n > chunk - READ_CHUNKS && n >= oldest; n -= 1) {
        ids.push(attemptChunkId(endpointId, n));
      }
      const docs = await this.chunks.find({ _id: { $in: ids } }).lean<WebhookAttemptChunkDoc[]>();
      for (const doc of docs.sort((a, b) => b.chunk - a.chunk)) {
        const attempts = unpack(doc.attempts);
        for (let index = attempts.length - 1; index >= 0; index -= 1) {
          if (start && doc.chunk === start.chunk && index >= start.index) continue;
          found.push({
            attempt: attemptRecord(attempts[index]!, doc.at ?? doc.createdAt),
            position: encodePosition(doc.chunk, index),
          });
        }
      }
    }
    const page = found.slice(0, first);
    return {
      attempts: page.map((entry) => ({ ...entry.attempt, cursor: entry.position })),
      hasNextPage: found.length > first,
      endCursor: page.length > 0 ? page[page.length - 1]!.position : after,
      totalCount: await this.total(endpointId, oldest, newest),
    };
  }

  /** The attempts in the kept chunks, from each chunk's `count` (one read of small fields). */
  private async total(endpointId: string, oldest: number, newest: number): Promise<number> {
    if (newest < 1) return 0;
    const ids: string[] = [];
    for (let n = newest; n >= oldest; n -= 1) ids.push(attemptChunkId(endpointId, n));
    const docs = await this.chunks
      .find({ _id: { $in: ids } }, { count: 1 })
      .lean<Pick<WebhookAttemptChunkDoc, '_id' | 'count'>[]>();
    let total = 0;
    const uncounted: string[] = [];
    for (const doc of docs) {
      if (typeof doc.count === 'number') total += doc.count;
      else uncounted.push(doc._id);
    }
    // Chunks written before `count` existed: their attempts are read once here.
    if (uncounted.length > 0) {
      const old = await this.chunks
        .find({ _id: { $in: uncounted } }, { attempts: 1 })
        .lean<Pick<WebhookAttemptChunkDoc, 'attempts'>[]>();
      for (const doc of old) total += unpack(doc.attempts).length;
    }
    return total;
  }

  private async draw(endpointId: string): Promise<number> {
    const doc = await this.endpoints
      .findOneAndUpdate({ _id: endpointId }, { $inc: { logChunk: 1 } }, { returnDocument: 'after' })
      .lean();
    return doc?.logChunk ?? 1;
  }
}

function encodePosition(chunk: number, index: number): string {
  return Buffer.from(`a1:${chunk}:${index}`).toString('base64url');
}

/** The position behind a cursor, or null when the text is not one. */
export function decodePosition(cursor: string): { chunk: number; index: number } | null {
  const match = /^a1:(\d{1,12}):(\d{1,6})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? { chunk: Number(match[1]), index: Number(match[2]) } : null;
}

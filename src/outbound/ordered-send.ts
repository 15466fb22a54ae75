import type { OutboundMessage } from './messages.js';
import type { AttemptOutcome } from './webhook-sender.js';

export interface Sent {
  message: OutboundMessage;
  outcome: AttemptOutcome;
}

/** Runs `work` for each item, at most the pool's size at once. */
export type Pool = <T>(items: readonly T[], work: (item: T) => Promise<void>) => Promise<void>;

export function boundedPool(size: number): Pool {
  return async (items, work) => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const item = items[next]!;
        next += 1;
        await work(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  };
}

export interface OrderedSendResult {
  /** Every attempt made, delivered or not. */
  attempts: Sent[];
  delivered: number;
  /** The first failure of each user that had one (not 410: that stops everything). */
  failed: Sent[];
  /** Not attempted: behind a failure of their user, or their user was already blocked. */
  waiting: OutboundMessage[];
}

/**
 * Sends messages so that a user's (order key's) events arrive one after the other, in order,
 * while different users' go in parallel. A failure stops its user: the rest of that user's
 * messages wait, as do all messages of `blocked` users (an earlier event of theirs is parked).
 */
export async function sendInOrder(
  messages: readonly OutboundMessage[],
  blocked: ReadonlySet<string>,
  pool: Pool,
  send: (message: OutboundMessage) => Promise<AttemptOutcome>,
): Promise<OrderedSendResult> {
  const byKey = new Map<string, OutboundMessage[]>();
  for (const message of messages) {
    const list = byKey.get(message.orderKey) ?? [];
    list.push(message);
    byKey.set(message.orderKey, list);
  }
  const result: OrderedSendResult = { attempts: [], delivered: 0, failed: [], waiting: [] };
  let gone = false;
  await pool([...byKey], async ([key, list]) => {
    if (blocked.has(key)) {
      result.waiting.push(...list);
      return;
    }
    for (let index = 0; index < list.length; index += 1) {
      if (gone) return;
      const message = list[index]!;
      const outcome = await send(message);
      result.attempts.push({ message, outcome });
      if (outcome.kind === 'delivered') {
        result.delivered += 1;
        continue;
      }
      if (outcome.kind === 'gone') gone = true;
      else result.failed.push({ message, outcome });
      result.waiting.push(...list.slice(index + 1));
      return;
    }
  });
  result.failed.sort((a, b) => a.message.order - b.message.order);
  result.waiting.sort((a, b) => a.order - b.order);
  return result;
}

/**
 * Feed entries written through the same writer the sync engine uses (stage, then commit), for
 * delivery tests that need many changes per user quickly and in a known order.
 */
import { Types } from 'mongoose';
import { ChangeAction, ChangeObjectType } from '../../src/domain/change.js';
import type { ChangeFeed } from '../../src/feed/change-feed.js';

/** `count` display-name changes spread over `users` users: change k sets `v<k>`. */
export async function writeUserChanges(
  feed: ChangeFeed,
  companyId: string,
  count: number,
  users: number,
  batch = 100,
): Promise<void> {
  const writer = feed.writer({ companyId, connectorId: 'connector-test', runId: null });
  const ids = Array.from({ length: users }, () => new Types.ObjectId().toHexString());
  for (let start = 0; start < count; start += batch) {
    const changes = Array.from({ length: Math.min(batch, count - start) }, (_, i) => {
      const k = start + i;
      const user = k % users;
      return {
        objectType: ChangeObjectType.USER,
        objectId: `entra-user-${user}`,
        label: `user${user}@example.com`,
        action: ChangeAction.UPDATE,
        rule: 'attributesChanged',
        before: { displayName: `v${k - users}` },
        after: { displayName: `v${k}` },
        write: { kind: 'updateUser', id: ids[user]! },
      };
    });
    const staged = await writer.stageChanges(changes);
    await staged.commit();
  }
}

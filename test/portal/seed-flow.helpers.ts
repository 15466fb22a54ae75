import { expect } from '@jest/globals';
import type { StackInfo } from '../../scripts/dev/stack.js';
import { waitFor } from '../helpers/wait.js';
import { fetchWithCa, gql } from '../ops/dev-stack.helpers.js';

/** What the browser test does outside the browser: ask the hub, change Entra (the emulator). */

/** Entra ids of users the connector manages and keeps active (direct members of the group). */
export async function activeMembers(s: StackInfo, companyId: string, count: number) {
  const answer = await gql<{ directoryUsers: { nodes: { entraId: string | null }[] } }>(
    s.graphqlUrl,
    s.partnerAdminJwt,
    `query($c: ID!) { directoryUsers(companyId: $c, status: ACTIVE, first: 20) { nodes { entraId } } }`,
    { c: companyId },
  );
  const ids = answer.data!.directoryUsers.nodes.flatMap((u) => (u.entraId ? [u.entraId] : []));
  expect(ids.length).toBeGreaterThanOrEqual(count);
  return ids.slice(0, count);
}

/** The admin removes someone from Password Boss Users in Entra (the emulator's control API). */
export async function removeFromSyncGroup(s: StackInfo, entraId: string): Promise<void> {
  const url = `${s.emulatorControlUrl}/tenants/${s.tenantId}/groups/${s.syncGroupId}/members/${entraId}`;
  const removed = await fetchWithCa(url, s.emulatorCaFile, { method: 'DELETE' });
  expect(removed.status).toBeLessThan(300);
}

/** The connector's newest run is a full sync that ended. */
export async function fullSyncEnded(s: StackInfo, connectorId: string): Promise<void> {
  await waitFor(
    async () => {
      const runs = await gql<{ syncRuns: { nodes: { mode: string; status: string }[] } }>(
        s.graphqlUrl,
        s.partnerAdminJwt,
        `query($c: ID!) { syncRuns(connectorId: $c, first: 1) { nodes { mode status } } }`,
        { c: connectorId },
      );
      const last = runs.data?.syncRuns.nodes[0];
      return last?.mode === 'FULL' && !['QUEUED', 'RUNNING'].includes(last.status);
    },
    60_000,
    'the full sync after saving to end',
    250,
  );
}

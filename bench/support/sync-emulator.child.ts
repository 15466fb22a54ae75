/**
 * The emulator for bench/sync.bench.ts, in its own process so the hub's RSS is measured alone.
 * Commands arrive over IPC; each answers with one message.
 */
import { startEmulator } from '../../src/emulator/index.js';

interface Seed {
  cmd: 'seed';
  users: number;
  groups: number;
  syncMembers: number;
  /** Average memberships per user in the generated groups; default min(3, groups). */
  membershipsPerUser?: number;
}
type Command =
  | Seed
  | { cmd: 'mutate'; tenantId: string; syncGroupId: string; changes: number }
  | { cmd: 'graphRequests' }
  | { cmd: 'stop' };

const emulator = await startEmulator({});
const control = emulator.control;
const caFile = await emulator.writeCaFile();
const members = new Map<string, string[]>();
const outsiders = new Map<string, string[]>();

process.on('message', (message: Command) => {
  try {
    switch (message.cmd) {
      case 'seed': {
        const tenant = control.createTenant({});
        const app = control.createApp({ displayName: 'bench' });
        const secret = control.addSecret(app.clientId);
        control.grantConsent(tenant.id, app.clientId);
        const generated = control.generateTenant(tenant.id, {
          users: message.users,
          groups: message.groups,
          syncGroupMembers: message.syncMembers,
          membershipsPerUser: message.membershipsPerUser ?? Math.min(3, message.groups),
          guestShare: 0.05,
          disabledShare: 0.03,
        });
        const inGroup = new Set(control.getGroup(tenant.id, generated.syncGroupId).memberIds);
        members.set(
          tenant.id,
          generated.userIds.filter((id) => inGroup.has(id)),
        );
        outsiders.set(
          tenant.id,
          generated.userIds.filter((id) => !inGroup.has(id)),
        );
        process.send!({
          tenantId: tenant.id,
          clientId: app.clientId,
          clientSecret: secret.secretText,
          syncGroupId: generated.syncGroupId,
          groupIds: generated.groupIds,
          authorityHost: emulator.authorityHost,
          graphBaseUrl: emulator.graphBaseUrl,
          caFile,
          generateMs: generated.durationMs,
        });
        break;
      }
      case 'mutate': {
        // A realistic mix: a third renamed, a third left the group, a third joined it.
        const inGroup = members.get(message.tenantId) ?? [];
        const outside = outsiders.get(message.tenantId) ?? [];
        const third = Math.floor(message.changes / 3);
        for (let i = 0; i < third; i++) {
          control.updateUser(message.tenantId, inGroup[i]!, { displayName: `Renamed ${i}` });
          control.removeMember(message.tenantId, message.syncGroupId, inGroup[third + i]!);
        }
        const joining = outside.slice(0, message.changes - 2 * third);
        control.addMembers(message.tenantId, message.syncGroupId, joining);
        process.send!({ ok: true });
        break;
      }
      case 'graphRequests': {
        const counters = control.counters();
        const total = Object.entries(counters.requestsByRoute)
          .filter(([route]) => route.includes('/v1.0/'))
          .reduce((sum, [, count]) => sum + count, 0);
        process.send!({ total });
        break;
      }
      case 'stop':
        void emulator.stop().then(() => process.exit(0));
        break;
    }
  } catch (error) {
    process.send!({ error: error instanceof Error ? error.message : String(error) });
  }
});
process.send!({ ready: true });

import { faultSettingsSchema } from '../faults/fault.service.js';
import { empty } from '../http/responses.js';
import { Router } from '../http/router.js';
import * as schemas from './control.schemas.js';
import { registerIdentityControlRoutes } from './identity-control.routes.js';
import { created, done, ok, readBody, type ControlDeps } from './control-http.js';

export type { ControlDeps } from './control-http.js';
export { readBody } from './control-http.js';

/** `/_emulator/...`: JSON over the same HTTPS port. See docs/emulator.md for the reference. */
export function createControlRouter(): Router<ControlDeps> {
  const r = new Router<ControlDeps>();
  const T = '/_emulator/tenants/:tenant';

  r.add('GET', '/_emulator/health', () => ok({ status: 'ok' }));
  r.add('GET', '/_emulator/info', (_q, _p, d) => ok(d.info()));
  r.add('POST', '/_emulator/reset', (_q, _p, d) => (d.control.reset(), done()));
  r.add('GET', '/_emulator/clock', (_q, _p, d) => ok({ now: d.control.now() }));
  r.add('POST', '/_emulator/clock/advance', (q, _p, d) => {
    const body = readBody(q, schemas.clockInput);
    return ok({ now: d.control.advanceClock((body.ms ?? 0) + (body.seconds ?? 0) * 1000) });
  });
  r.add('GET', '/_emulator/requests', (q, _p, d) => {
    const limit = Number(q.url.searchParams.get('limit') ?? '100');
    return ok({ value: d.control.requestLog(Number.isFinite(limit) ? limit : 100) });
  });
  r.add('DELETE', '/_emulator/requests', (_q, _p, d) => (d.control.clearRequestLog(), done()));
  r.add('GET', '/_emulator/counters', (_q, _p, d) => ok(d.control.counters()));

  r.add('GET', '/_emulator/tenants', (_q, _p, d) => ok({ value: d.control.listTenants() }));
  r.add('POST', '/_emulator/tenants', (q, _p, d) =>
    created(d.control.createTenant(readBody(q, schemas.tenantInput))),
  );
  r.add('GET', T, (_q, p, d) => ok(d.control.getTenant(p['tenant']!)));
  r.add('DELETE', T, (_q, p, d) => (d.control.deleteTenant(p['tenant']!), done()));
  r.add('PATCH', `${T}/settings`, (q, p, d) =>
    ok(d.control.updateTenantSettings(p['tenant']!, readBody(q, schemas.tenantSettingsInput))),
  );
  r.add('POST', `${T}/generate`, (q, p, d) =>
    created(d.control.generateTenant(p['tenant']!, readBody(q, schemas.generateInput))),
  );

  registerIdentityControlRoutes(r, T);

  r.add('GET', `${T}/users`, (_q, p, d) => ok({ value: d.control.listUsers(p['tenant']!) }));
  r.add('POST', `${T}/users`, (q, p, d) =>
    created(d.control.createUser(p['tenant']!, readBody(q, schemas.userCreateInput))),
  );
  r.add('GET', `${T}/users/:id`, (_q, p, d) => ok(d.control.getUser(p['tenant']!, p['id']!)));
  r.add('PATCH', `${T}/users/:id`, (q, p, d) =>
    ok(d.control.updateUser(p['tenant']!, p['id']!, readBody(q, schemas.userPatchInput))),
  );
  r.add('POST', `${T}/users/:id/disable`, (_q, p, d) =>
    ok(d.control.disableUser(p['tenant']!, p['id']!)),
  );
  r.add('POST', `${T}/users/:id/enable`, (_q, p, d) =>
    ok(d.control.enableUser(p['tenant']!, p['id']!)),
  );
  r.add('POST', `${T}/users/:id/soft-delete`, (_q, p, d) =>
    ok(d.control.softDeleteUser(p['tenant']!, p['id']!)),
  );
  r.add('POST', `${T}/users/:id/restore`, (_q, p, d) =>
    ok(d.control.restoreUser(p['tenant']!, p['id']!)),
  );
  r.add(
    'DELETE',
    `${T}/users/:id`,
    (_q, p, d) => (d.control.hardDeleteUser(p['tenant']!, p['id']!), done()),
  );

  r.add('POST', `${T}/groups`, (q, p, d) =>
    created(d.control.createGroup(p['tenant']!, readBody(q, schemas.groupCreateInput))),
  );
  r.add('GET', `${T}/groups/:id`, (_q, p, d) => ok(d.control.getGroup(p['tenant']!, p['id']!)));
  r.add('PATCH', `${T}/groups/:id`, (q, p, d) =>
    ok(d.control.updateGroup(p['tenant']!, p['id']!, readBody(q, schemas.groupPatchInput))),
  );
  r.add('DELETE', `${T}/groups/:id`, (q, p, d) => {
    d.control.deleteGroup(p['tenant']!, p['id']!, {
      soft: q.url.searchParams.get('soft') === 'true',
    });
    return done();
  });
  r.add('POST', `${T}/groups/:id/restore`, (_q, p, d) =>
    ok(d.control.restoreGroup(p['tenant']!, p['id']!)),
  );
  r.add('POST', `${T}/groups/:id/members`, (q, p, d) => {
    const body = readBody(q, schemas.membersInput);
    const ids = body.ids ?? [body.id!];
    return ok({ added: d.control.addMembers(p['tenant']!, p['id']!, ids) });
  });
  r.add('DELETE', `${T}/groups/:id/members/:memberId`, (_q, p, d) => {
    d.control.removeMember(p['tenant']!, p['id']!, p['memberId']!);
    return done();
  });
  r.add('POST', `${T}/directory-objects`, (q, p, d) =>
    created(
      d.control.createDirectoryObject(p['tenant']!, readBody(q, schemas.directoryObjectInput)),
    ),
  );

  r.add('GET', `${T}/faults`, (_q, p, d) => ok(d.control.getFaults(p['tenant']!)));
  r.add('PUT', `${T}/faults`, (q, p, d) =>
    ok(d.control.setFaults(p['tenant']!, readBody(q, faultSettingsSchema))),
  );
  r.add('DELETE', `${T}/faults`, (_q, p, d) => (d.control.clearFaults(p['tenant']!), done()));
  r.add(
    'POST',
    `${T}/delta/expire`,
    (_q, p, d) => (d.control.expireDeltaTokens(p['tenant']!), done()),
  );
  r.add(
    'POST',
    `${T}/delta/reset`,
    (_q, p, d) => (d.control.forceDeltaReset(p['tenant']!), done()),
  );

  r.add('GET', '/_emulator/subscriptions', (q, _p, d) => {
    const tenantId = q.url.searchParams.get('tenantId') ?? undefined;
    return ok({ value: d.control.listSubscriptions(tenantId) });
  });
  r.add('GET', `${T}/subscriptions`, (_q, p, d) =>
    ok({ value: d.control.listSubscriptions(p['tenant']) }),
  );
  r.add('POST', '/_emulator/subscriptions/:id/lifecycle', (q, p, d) => {
    d.control.sendLifecycleEvent(p['id']!, readBody(q, schemas.lifecycleInput).event);
    return empty(202);
  });
  r.add('POST', '/_emulator/notifications/wait', async (_q, _p, d) => {
    await d.control.waitForNotifications();
    return done();
  });
  return r;
}

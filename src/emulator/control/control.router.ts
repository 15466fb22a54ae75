import type { z } from 'zod';
import { faultSettingsSchema } from '../faults/fault.service.js';
import { empty, json } from '../http/responses.js';
import { Router } from '../http/router.js';
import type { EmuRequest } from '../http/types.js';
import { ControlErrorCode, EmulatorError } from '../util/errors.js';
import * as schemas from './control.schemas.js';
import type { EmulatorControl } from './control.service.js';

export interface ControlDeps {
  control: EmulatorControl;
  info(): { authorityHost: string; graphBaseUrl: string; caCertPem: string };
}

/** Parses a JSON body with a zod schema; a bad body is a 400 `invalid_request`. */
export function readBody<S extends z.ZodType>(request: EmuRequest, schema: S): z.infer<S> {
  let value: unknown = {};
  const text = request.body.toString('utf8').trim();
  if (text !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new EmulatorError(ControlErrorCode.InvalidRequest, 'the body is not JSON');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new EmulatorError(ControlErrorCode.InvalidRequest, detail.join('; '));
  }
  return parsed.data;
}

const ok = (value: unknown) => json(200, value);
const created = (value: unknown) => json(201, value);
const done = () => empty(204);

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

  r.add('GET', `${T}/consents`, (_q, p, d) => ok({ value: d.control.listConsents(p['tenant']!) }));
  r.add('PUT', `${T}/consents/:clientId`, (q, p, d) =>
    ok(d.control.grantConsent(p['tenant']!, p['clientId']!, readBody(q, schemas.rolesInput).roles)),
  );
  r.add('PATCH', `${T}/consents/:clientId`, (q, p, d) =>
    ok(
      d.control.setGrantedPermissions(
        p['tenant']!,
        p['clientId']!,
        readBody(q, schemas.rolesInput).roles ?? [],
      ),
    ),
  );
  r.add(
    'DELETE',
    `${T}/consents/:clientId`,
    (_q, p, d) => (d.control.revokeConsent(p['tenant']!, p['clientId']!), done()),
  );
  r.add('POST', `${T}/apps`, (q, p, d) =>
    created(
      d.control.createApp({
        ...readBody(q, schemas.appInput.omit({ homeTenantId: true })),
        homeTenantId: p['tenant']!,
      }),
    ),
  );
  r.add('PATCH', `${T}/service-principals/:clientId`, (q, p, d) => {
    const body = readBody(q, schemas.servicePrincipalPatchInput);
    return ok(
      d.control.setServicePrincipalEnabled(p['tenant']!, p['clientId']!, body.accountEnabled),
    );
  });
  r.add('DELETE', `${T}/service-principals/:clientId`, (_q, p, d) => {
    d.control.deleteServicePrincipal(p['tenant']!, p['clientId']!);
    return done();
  });

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

  r.add('GET', '/_emulator/apps', (_q, _p, d) => ok({ value: d.control.listApps() }));
  r.add('POST', '/_emulator/apps', (q, _p, d) =>
    created(d.control.createApp(readBody(q, schemas.appInput))),
  );
  r.add('GET', '/_emulator/apps/:clientId', (_q, p, d) => ok(d.control.getApp(p['clientId']!)));
  r.add('PATCH', '/_emulator/apps/:clientId', (q, p, d) =>
    ok(
      d.control.updateApp(
        p['clientId']!,
        readBody(q, schemas.appInput.omit({ clientId: true, homeTenantId: true })),
      ),
    ),
  );
  r.add(
    'DELETE',
    '/_emulator/apps/:clientId',
    (_q, p, d) => (d.control.deleteApp(p['clientId']!), done()),
  );
  r.add('POST', '/_emulator/apps/:clientId/secrets', (q, p, d) =>
    created(d.control.addSecret(p['clientId']!, readBody(q, schemas.secretInput))),
  );
  r.add('POST', '/_emulator/apps/:clientId/secrets/:keyId/expire', (_q, p, d) => {
    d.control.expireSecret(p['clientId']!, p['keyId']!);
    return done();
  });
  r.add('DELETE', '/_emulator/apps/:clientId/secrets/:keyId', (_q, p, d) => {
    d.control.removeSecret(p['clientId']!, p['keyId']!);
    return done();
  });
  r.add('PUT', '/_emulator/apps/:clientId/consent-decision', (q, p, d) => {
    const body = readBody(q, schemas.consentDecisionInput);
    return ok(d.control.setConsentDecision(p['clientId']!, body.decision, body.tenantId));
  });
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

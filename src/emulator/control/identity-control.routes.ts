import type { Router } from '../http/router.js';
import { created, done, ok, readBody, type ControlDeps } from './control-http.js';
import * as schemas from './control.schemas.js';

/**
 * The identity half of the control API: app registrations and secrets, admin consent, and the
 * apps' service principals in a tenant (`T` is `/_emulator/tenants/:tenant`).
 */
export function registerIdentityControlRoutes(r: Router<ControlDeps>, T: string): void {
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
}

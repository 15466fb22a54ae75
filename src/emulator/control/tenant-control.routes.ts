import { faultSettingsSchema } from '../faults/fault.service.js';
import type { Router } from '../http/router.js';
import { created, done, ok, readBody, type ControlDeps } from './control-http.js';
import * as schemas from './control.schemas.js';

/**
 * Tenants and their emulator-side state: creation, settings, generated data, injected faults,
 * delta-token expiry and its subscriptions (`T` is `/_emulator/tenants/:tenant`).
 */
export function registerTenantControlRoutes(r: Router<ControlDeps>, T: string): void {
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
  r.add('GET', `${T}/subscriptions`, (_q, p, d) =>
    ok({ value: d.control.listSubscriptions(p['tenant']) }),
  );
}

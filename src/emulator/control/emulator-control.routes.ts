import { empty } from '../http/responses.js';
import type { Router } from '../http/router.js';
import { done, ok, readBody, type ControlDeps } from './control-http.js';
import * as schemas from './control.schemas.js';

/**
 * The emulator as a whole: health, reset, the clock, the request log and counters, and the
 * change-notification machinery (subscriptions of every tenant, lifecycle events, idle wait).
 */
export function registerEmulatorControlRoutes(r: Router<ControlDeps>): void {
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

  r.add('GET', '/_emulator/subscriptions', (q, _p, d) => {
    const tenantId = q.url.searchParams.get('tenantId') ?? undefined;
    return ok({ value: d.control.listSubscriptions(tenantId) });
  });
  r.add('POST', '/_emulator/subscriptions/:id/lifecycle', (q, p, d) => {
    d.control.sendLifecycleEvent(p['id']!, readBody(q, schemas.lifecycleInput).event);
    return empty(202);
  });
  r.add('POST', '/_emulator/notifications/wait', async (_q, _p, d) => {
    await d.control.waitForNotifications();
    return done();
  });
}

import type { PlainHandler } from './http-app.js';
import { pathOf } from './http-app.js';
import { sendJson } from './http-io.js';

/**
 * One readiness condition: resolves true when this instance can do its work. A check that
 * throws, resolves false or takes longer than the probe's budget makes the instance unready.
 */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean> | boolean;
}

export interface ReadinessReport {
  ready: boolean;
  /** Names of the checks that failed (empty when ready). */
  failing: string[];
}

/** How long /readyz waits for all checks; a paused database must not hang the probe. */
export const READINESS_TIMEOUT_MS = 2_000;

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        const ok = await Promise.race([Promise.resolve().then(check), timeout]);
        return { name, ok: ok === true };
      } catch {
        return { name, ok: false };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failing = results.filter((r) => !r.ok).map((r) => r.name);
  return { ready: failing.length === 0, failing };
}

/**
 * `GET /healthz`: the process serves requests (liveness: never touches the database).
 * `GET /readyz`: every readiness check passes (the database answers, the scheduler runs, and
 * whatever the runtime adds); 503 otherwise, within READINESS_TIMEOUT_MS either way.
 */
export function healthRouter(ready: () => Promise<boolean>): PlainHandler {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = pathOf(req);
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    if (path === '/readyz') {
      const report = await runReadinessChecks([{ name: 'ready', check: ready }]);
      sendJson(res, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'unavailable' });
      return true;
    }
    return false;
  };
}

/** The database answers a ping (mongoose keeps reconnecting in the background meanwhile). */
export async function databaseReachable(connection: {
  db?: { admin(): { ping(): Promise<unknown> } } | undefined;
}): Promise<boolean> {
  if (!connection.db) return false;
  await connection.db.admin().ping();
  return true;
}

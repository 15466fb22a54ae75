import type { PlainHandler } from './http-app.js';
import { pathOf } from './http-app.js';
import { sendJson } from './http-io.js';

/** `GET /healthz`: the process serves requests. `GET /readyz`: and its database answers. */
export function healthRouter(ready: () => Promise<boolean>): PlainHandler {
  return async (req, res) => {
    if (req.method !== 'GET') return false;
    const path = pathOf(req);
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    if (path === '/readyz') {
      const ok = await ready().catch(() => false);
      sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'unavailable' });
      return true;
    }
    return false;
  };
}

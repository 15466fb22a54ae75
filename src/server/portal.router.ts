import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import sirv from 'sirv';
import { GRAPHQL_PATH, pathOf, type PlainHandler } from './http-app.js';
import { sendJson, sendPlainText, sendRedirect } from './http-io.js';

export const PORTAL_PATH = '/portal';
const ASSETS_PREFIX = `${PORTAL_PATH}/assets/`;
const DEV_SIGN_IN_PATH = `${PORTAL_PATH}/api/dev-sign-in`;

export interface PortalSettings {
  /** Serve the reference portal at /portal. */
  enabled: boolean;
  /** Serve GraphiQL at /graphql to browsers (its scripts live under /portal/assets/). */
  graphiql: boolean;
  /** Where `npm run build` wrote the static files: `<webDir>/portal/{index,graphiql}.html`. */
  webDir: string;
  /** Development only: JSON `{ signIns: [{ label, authorization }] }` for one-click sign-in. */
  devSignInFile?: string;
}

/**
 * Everything the browser loads comes from this hub (no CDN): the portal's files, the GraphiQL
 * page and its editor workers. Monaco (GraphiQL's editor) adds inline styles and runs its
 * language services in workers, hence `style-src 'unsafe-inline'` and `worker-src blob:`.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The built-in portal (`/portal/*`, a single-page app: unknown paths get its index.html) and
 * GraphiQL (`GET /graphql` asking for HTML). Static files are served by sirv from the folder
 * `npm run build` fills; when it is missing the answer says so instead of a bare 404.
 */
export function portalRouter(settings: PortalSettings, logger: Logger): PlainHandler | null {
  if (!settings.enabled && !settings.graphiql) return null;
  const root = path.join(settings.webDir, 'portal');
  const isBuilt = () => existsSync(path.join(root, 'index.html'));
  if (!isBuilt()) {
    logger.warn({ dir: root }, 'portal/GraphiQL enabled but not built: run `npm run build`');
  }
  // Files are looked up per request (sirv's `dev`), so `npm run build` while the hub runs is
  // picked up without a restart; the cost is a stat per request, nothing for an admin portal.
  const staticFiles = sirv(settings.webDir, {
    dev: true,
    etag: true,
    single: 'portal/index.html',
    setHeaders: (res, pathname) => {
      // Vite puts a content hash in every asset's name; pages must be revalidated.
      res.setHeader(
        'cache-control',
        pathname.startsWith(ASSETS_PREFIX) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      res.setHeader('content-security-policy', CSP);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
    },
  });

  return async (req, res) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    const pathname = pathOf(req);

    if (pathname === GRAPHQL_PATH) {
      if (!settings.graphiql || !wantsGraphiql(req.url, req.headers.accept)) return false;
      const graphiqlPage = await readFile(path.join(root, 'graphiql.html')).catch(() => null);
      if (!graphiqlPage) return notBuilt(res);
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': graphiqlPage.length,
        'cache-control': 'no-cache',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      res.end(method === 'HEAD' ? undefined : graphiqlPage);
      return true;
    }

    if (pathname !== PORTAL_PATH && !pathname.startsWith(`${PORTAL_PATH}/`)) return false;
    const isAsset = pathname.startsWith(ASSETS_PREFIX);
    if (!settings.enabled && !isAsset) return false;
    if (pathname === PORTAL_PATH) {
      sendRedirect(res, `${PORTAL_PATH}/`);
      return true;
    }
    if (pathname === DEV_SIGN_IN_PATH) {
      await sendDevSignIns(res, settings.devSignInFile, logger);
      return true;
    }
    if (pathname.startsWith(`${PORTAL_PATH}/api/`)) {
      sendJson(res, 404, { error: 'not_found' });
      return true;
    }
    if (hiddenOrOutside(pathname)) {
      sendJson(res, 404, { error: 'not_found' });
      return true;
    }
    if (!isBuilt()) return notBuilt(res);
    await new Promise<void>((resolve) => {
      res.once('close', resolve);
      staticFiles(req, res, () => {
        sendJson(res, 404, { error: 'not_found' });
        resolve();
      });
    });
    return true;
  };
}

/** GET /graphql with a `query` parameter is a GraphQL request; only a browser page load is not. */
function wantsGraphiql(url: string | undefined, accept: string | undefined): boolean {
  const search = new URL(url ?? '/', 'http://hub.invalid').searchParams;
  return !search.has('query') && (accept ?? '').includes('text/html');
}

/** `..` (also percent-encoded) and dotfiles (the build's hash) are never served. */
function hiddenOrOutside(pathname: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return true;
  }
  return /(^|[/\\])\./.test(decoded);
}

function notBuilt(res: Parameters<PlainHandler>[1]): true {
  sendPlainText(res, 503, 'The portal is not built: run `npm run build`, then restart the hub.\n');
  return true;
}

async function sendDevSignIns(
  res: Parameters<PlainHandler>[1],
  file: string | undefined,
  logger: Logger,
): Promise<void> {
  if (!file) {
    sendJson(res, 404, { error: 'not_found' });
    return;
  }
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { signIns?: unknown };
    sendJson(res, 200, { signIns: Array.isArray(parsed.signIns) ? parsed.signIns : [] });
  } catch (error) {
    // The dev stack writes the file once the demo company exists; before that there is none.
    logger.debug({ err: error }, 'no demo sign-ins yet');
    sendJson(res, 200, { signIns: [] });
  }
}

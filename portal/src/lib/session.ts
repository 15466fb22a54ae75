/**
 * The signed-in admin: the whole `Authorization` value the hub expects (`Bearer <portal JWT>`).
 * Kept in sessionStorage (this tab only, gone when it closes) so a token never outlives the
 * browsing session; it survives the full-page round trip to Microsoft's consent page.
 */
export interface Session {
  authorization: string;
  /** Read from the JWT for display and navigation only; the hub verifies the token. */
  role: 'PARTNER_ADMIN' | 'COMPANY_ADMIN' | null;
  subject: string | null;
  companyId: string | null;
  partnerId: string | null;
  expiresAt: Date | null;
}

/** One-click sign-ins `npm run dev` offers (GET /portal/api/dev-sign-in). */
export interface DevSignIn {
  label: string;
  authorization: string;
}

const KEY = 'hub.portal.authorization';

export function loadSession(): Session | null {
  const stored = safeStorage()?.getItem(KEY);
  return stored ? toSession(stored) : null;
}

/** Accepts a bare JWT or `Bearer <jwt>`; null when it is not shaped like a JWT. */
export function saveSession(input: string): Session | null {
  const jwt = input.trim().replace(/^Bearer\s+/i, '');
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(jwt)) return null;
  const authorization = `Bearer ${jwt}`;
  safeStorage()?.setItem(KEY, authorization);
  return toSession(authorization);
}

export function clearSession(): void {
  safeStorage()?.removeItem(KEY);
}

/**
 * `npm run dev` prints `/portal/#token=<jwt>`: the fragment never reaches a server or a log.
 * Taken once at start, then removed from the address bar and the history.
 */
export function takeTokenFromFragment(): void {
  const match = /^#token=([\w.-]+)$/.exec(window.location.hash);
  if (!match?.[1]) return;
  saveSession(match[1]);
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
}

export async function fetchDevSignIns(): Promise<DevSignIn[]> {
  try {
    const response = await fetch('/portal/api/dev-sign-in', {
      headers: { accept: 'application/json' },
    });
    if (!response.ok) return [];
    const body = (await response.json()) as { signIns?: DevSignIn[] };
    return (body.signIns ?? []).filter(
      (s) => typeof s.label === 'string' && typeof s.authorization === 'string',
    );
  } catch {
    return [];
  }
}

function toSession(authorization: string): Session {
  const claims = decodeClaims(authorization.replace(/^Bearer\s+/i, ''));
  const role = claims['role'];
  const exp = claims['exp'];
  return {
    authorization,
    role: role === 'PARTNER_ADMIN' || role === 'COMPANY_ADMIN' ? role : null,
    subject: typeof claims['sub'] === 'string' ? claims['sub'] : null,
    companyId: typeof claims['companyId'] === 'string' ? claims['companyId'] : null,
    partnerId: typeof claims['partnerId'] === 'string' ? claims['partnerId'] : null,
    expiresAt: typeof exp === 'number' ? new Date(exp * 1000) : null,
  };
}

function decodeClaims(jwt: string): Record<string, unknown> {
  try {
    const payload = jwt.split('.')[1] ?? '';
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function safeStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

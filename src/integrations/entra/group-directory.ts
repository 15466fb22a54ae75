import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { PageCollection } from '@microsoft/microsoft-graph-client';
import { AppError, ErrorCode } from '../../domain/errors.js';
import type { EntraClientFactory } from './graph-client.factory.js';
import { toGraphAppError } from './graph-errors.js';
import type { EntraCredentials } from './token-provider.js';

export interface EntraGroup {
  id: string;
  displayName: string;
  description: string | null;
  mail: string | null;
  securityEnabled: boolean;
  mailEnabled: boolean;
}

export interface GroupPage {
  groups: EntraGroup[];
  /** Opaque continuation for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface ListGroupsInput {
  search?: string | null;
  first: number;
  /** A cursor from a previous page. */
  after?: string | null;
}

const SELECT = ['id', 'displayName', 'description', 'mail', 'securityEnabled', 'mailEnabled'];
const GROUP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tenant's security groups for the group picker. Paging follows Graph's own `@odata.nextLink`.
 * The cursor handed to clients carries that link and the tenant it was listed for, signed with an
 * HMAC key derived from the hub's encryption keys: a forged or edited cursor (another path on the
 * Graph host, another tenant's listing) is BAD_USER_INPUT, so no caller can make the connector's
 * app token fetch anything but the next page of its own listing.
 *
 * Every value placed in a Graph URL is percent-encoded here: the SDK's `.search()` and `.filter()`
 * paste their argument into the query string as is, and Graph wants RFC 3986 encoding
 * (https://learn.microsoft.com/en-us/graph/query-parameters#encoding-query-parameters).
 */
export class GroupDirectory {
  private readonly graphOrigin: string;
  /** Index 0 signs; all verify (cursors issued before a key rotation stay valid). */
  private readonly cursorKeys: Buffer[];

  constructor(
    private readonly entra: EntraClientFactory,
    graphBaseUrl: string,
    encryptionKeys: readonly { key: Buffer }[],
  ) {
    this.graphOrigin = new URL(graphBaseUrl).origin;
    this.cursorKeys = encryptionKeys.map(({ key }) =>
      Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'entra-group-cursor', 32)),
    );
  }

  async listSecurityGroups(
    credentials: EntraCredentials,
    input: ListGroupsInput,
  ): Promise<GroupPage> {
    const client = this.entra.graphClient(credentials);
    try {
      let page: PageCollection;
      if (input.after) {
        // Graph wants the header on every page of a `$search` listing, nextLinks included.
        page = (await client
          .api(this.openCursor(input.after, credentials.tenantId))
          .header('ConsistencyLevel', 'eventual')
          .get()) as PageCollection;
      } else {
        let request = client
          .api('/groups')
          .select(SELECT)
          .filter(encodeQueryValue('securityEnabled eq true'))
          .top(input.first);
        const term = searchTerm(input.search);
        if (term) {
          // Directory `$search` is tokenized (matches word prefixes) and needs this header.
          request = request
            .header('ConsistencyLevel', 'eventual')
            .search(encodeQueryValue(`"displayName:${term}"`));
        }
        page = (await request.get()) as PageCollection;
      }
      const groups = (page.value as RawGroup[]).map(toGroup).filter((g) => g.securityEnabled);
      const next = page['@odata.nextLink'];
      return {
        groups,
        nextCursor: typeof next === 'string' ? this.sealCursor(next, credentials.tenantId) : null,
      };
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw toGraphAppError(error, 'list groups');
    }
  }

  /** The group, or null when it does not exist in the tenant. */
  async getGroup(credentials: EntraCredentials, groupId: string): Promise<EntraGroup | null> {
    if (!GROUP_ID.test(groupId)) return null;
    try {
      const raw = (await this.entra
        .graphClient(credentials)
        .api(`/groups/${encodeQueryValue(groupId)}`)
        .select(SELECT)
        .get()) as RawGroup;
      return toGroup(raw);
    } catch (error) {
      const appError = toGraphAppError(error, 'read group');
      if (appError.code === ErrorCode.NOT_FOUND) return null;
      throw appError;
    }
  }

  private sealCursor(nextLink: string, tenantId: string): string {
    const payload = Buffer.from(JSON.stringify({ l: nextLink, t: tenantId }), 'utf8');
    return `${payload.toString('base64url')}.${sign(this.cursorKeys[0]!, payload).toString('base64url')}`;
  }

  /** The next-page link of a cursor this hub issued for this tenant; BAD_USER_INPUT otherwise. */
  private openCursor(cursor: string, tenantId: string): string {
    const [body, mac, ...rest] = cursor.split('.');
    if (!body || !mac || rest.length > 0) throw invalidCursor();
    const payload = Buffer.from(body, 'base64url');
    const given = Buffer.from(mac, 'base64url');
    const authentic = this.cursorKeys.some((key) => {
      const expected = sign(key, payload);
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!authentic) throw invalidCursor();
    const parsed = JSON.parse(payload.toString('utf8')) as { l?: unknown; t?: unknown };
    if (typeof parsed.l !== 'string' || parsed.t !== tenantId) throw invalidCursor();
    // Signed by us, so this holds; checked again so a key leak alone cannot aim the token elsewhere.
    if (new URL(parsed.l).origin !== this.graphOrigin) throw invalidCursor();
    return parsed.l;
  }
}

function sign(key: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

/** RFC 3986 percent-encoding (encodeURIComponent leaves !'()* as they are). */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

interface RawGroup {
  id: string;
  displayName?: string | null;
  description?: string | null;
  mail?: string | null;
  securityEnabled?: boolean | null;
  mailEnabled?: boolean | null;
}

function toGroup(raw: RawGroup): EntraGroup {
  return {
    id: raw.id,
    displayName: raw.displayName ?? '',
    description: raw.description ?? null,
    mail: raw.mail ?? null,
    securityEnabled: raw.securityEnabled === true,
    mailEnabled: raw.mailEnabled === true,
  };
}

/** `$search` phrases are double-quoted; quotes and backslashes cannot be escaped, so drop them. */
function searchTerm(search: string | null | undefined): string | null {
  const term = search?.replace(/["\\]/g, ' ').trim();
  return term ? term : null;
}

function invalidCursor(): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, 'after: not a cursor from a previous page', {
    details: { field: 'after' },
  });
}

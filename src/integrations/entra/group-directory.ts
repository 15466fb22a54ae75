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
 * The tenant's security groups for the group picker. Paging follows Graph's own `@odata.nextLink`;
 * the cursor handed to clients is that link, base64url-encoded, and only accepted back when it
 * points at this Graph host (so a forged cursor cannot aim our token at another host).
 */
export class GroupDirectory {
  private readonly graphOrigin: string;

  constructor(
    private readonly entra: EntraClientFactory,
    graphBaseUrl: string,
  ) {
    this.graphOrigin = new URL(graphBaseUrl).origin;
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
          .api(this.decodeCursor(input.after))
          .header('ConsistencyLevel', 'eventual')
          .get()) as PageCollection;
      } else {
        let request = client
          .api('/groups')
          .select(SELECT)
          .filter('securityEnabled eq true')
          .top(input.first);
        const term = searchTerm(input.search);
        if (term) {
          // Directory `$search` is tokenized (matches word prefixes) and needs this header.
          request = request.header('ConsistencyLevel', 'eventual').search(`"displayName:${term}"`);
        }
        page = (await request.get()) as PageCollection;
      }
      const groups = (page.value as RawGroup[]).map(toGroup).filter((g) => g.securityEnabled);
      const next = page['@odata.nextLink'];
      return { groups, nextCursor: typeof next === 'string' ? encodeCursor(next) : null };
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
        .api(`/groups/${groupId}`)
        .select(SELECT)
        .get()) as RawGroup;
      return toGroup(raw);
    } catch (error) {
      const appError = toGraphAppError(error, 'read group');
      if (appError.code === ErrorCode.NOT_FOUND) return null;
      throw appError;
    }
  }

  private decodeCursor(cursor: string): string {
    let link: URL;
    try {
      link = new URL(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor();
    }
    if (link.origin !== this.graphOrigin) throw invalidCursor();
    return link.toString();
  }
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

function encodeCursor(nextLink: string): string {
  return Buffer.from(nextLink, 'utf8').toString('base64url');
}

function invalidCursor(): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, 'after: not a cursor from a previous page', {
    details: { field: 'after' },
  });
}

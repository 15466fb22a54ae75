import type { EntraUser } from '../../domain/entra.js';

/** The user properties the directory uses; `$select`ed everywhere (accountEnabled needs it). */
export const USER_SELECT = [
  'id',
  'displayName',
  'givenName',
  'surname',
  'mail',
  'userPrincipalName',
  'accountEnabled',
  'userType',
].join(',');

export function toEntraUser(raw: Record<string, unknown>): EntraUser {
  const text = (key: string): string | null => {
    const value = raw[key];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
  };
  const upn = text('userPrincipalName');
  const guest = text('userType') === 'Guest' || (upn?.includes('#EXT#') ?? false);
  // A guest's UPN is the #EXT# form, never an address: only `mail` will do.
  const email = text('mail') ?? (guest ? null : upn);
  return {
    id: String(raw['id']),
    email,
    displayName: text('displayName') ?? email ?? String(raw['id']),
    givenName: text('givenName'),
    surname: text('surname'),
    enabled: raw['accountEnabled'] !== false,
    guest,
  };
}

/** Only users: devices, contacts, service principals and nested groups are skipped. */
export function isUser(raw: Record<string, unknown>): boolean {
  const type = raw['@odata.type'];
  return type === undefined || type === '#microsoft.graph.user';
}

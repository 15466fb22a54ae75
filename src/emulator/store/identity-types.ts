/** The identity side of the emulator's state: tenants, app registrations, service principals. */
import type { TenantDirectory } from './tenant-directory.js';

export const GRAPH_APP_PERMISSIONS = [
  'User.Read.All',
  'User.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'GroupMember.Read.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
] as const;

export interface TenantSettings {
  /** Objects per delta page (users and groups); `Prefer: odata.maxpagesize` overrides it. */
  deltaPageSize: number;
  /** `members@delta` entries per delta page; a larger group continues on the next page. */
  deltaMembersPerPage: number;
  /**
   * Most objects per page of a listing (users, groups, members) whatever `$top` asks: Graph may
   * page server-side and return fewer than `$top`, so clients must follow nextLink regardless.
   * 999 (the largest `$top`) means `$top` is honoured as sent.
   */
  listPageSize: number;
}

export interface TenantRecord {
  id: string;
  displayName: string;
  defaultDomain: string;
  directory: TenantDirectory;
  /**
   * Client id -> the app's service principal here (its "enterprise application"). An app
   * registered in this tenant has one from the start; an app from another tenant gets one when
   * an admin consents (installs it). No entry: AADSTS700016 at the token endpoint.
   */
  servicePrincipals: Map<string, ServicePrincipalRecord>;
  settings: TenantSettings;
  delta: DeltaEpochs;
}

/**
 * Delta tokens carry the generation they were issued in; the control API's "expire all delta
 * tokens" and "force a reset" raise the thresholds so older tokens get 400 or 410.
 */
export interface DeltaEpochs {
  generation: number;
  expiredBelow: number;
  resetBelow: number;
}

/**
 * An app's service principal in one tenant and the application permissions granted to it. With
 * no permission granted (no admin consent yet, or consent revoked) client credentials still work
 * but the token carries no `roles`, and Graph answers 403 Authorization_RequestDenied.
 */
export interface ServicePrincipalRecord {
  clientId: string;
  /** The service principal's object id: `oid`/`sub` of the app's tokens in this tenant. */
  servicePrincipalId: string;
  /** The enterprise application's "Enabled for users to sign-in?"; false: AADSTS7000112. */
  accountEnabled: boolean;
  /** Application permissions (app role assignments) granted by admin consent; empty: none. */
  roles: Set<string>;
  createdAt: number;
  /** When admin consent last granted permissions; null: never, or revoked since. */
  grantedAt: number | null;
}

export interface SecretRecord {
  keyId: string;
  hint: string;
  value: string;
  createdAt: number;
  expiresAt: number;
}

export type ConsentDecision = 'accept' | 'deny' | 'consent_required';

export interface AppRecord {
  clientId: string;
  displayName: string;
  /**
   * The tenant the app is registered in (its service principal exists there from the start);
   * null: registered elsewhere (a multi-tenant app), present only where an admin installed it.
   */
  homeTenantId: string | null;
  secrets: SecretRecord[];
  /** Application permissions the registration asks for; admin consent grants these. */
  requiredPermissions: string[];
  /** Empty: any redirect URI is accepted (a choice; Entra requires registered ones). */
  redirectUris: string[];
  /** How the browserless admin-consent page answers, and for `organizations`, which tenant. */
  consentDecision: { decision: ConsentDecision; tenantId?: string };
}

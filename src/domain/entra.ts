/** Entra objects reduced to what the directory uses, whichever reader produced them. */

/** A user as read from Graph, reduced to what the directory uses. */
export interface EntraUser {
  id: string;
  /** `mail`, else `userPrincipalName`; guests: `mail` only (their UPN is the #EXT# form). */
  email: string | null;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  enabled: boolean;
  guest: boolean;
}

/** A selected group as read from Entra (full listing, or the delta-updated mirror). */
export interface EntraGroupView {
  id: string;
  name: string;
  /** Entra ids of its user members (in scope or not). */
  memberIds: readonly string[];
}

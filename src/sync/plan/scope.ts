import { DirectoryUserStatus as Status, ManagedBy } from '../../domain/directory.js';
import type { ExistingUser } from './plan.types.js';

/** Synced by this connector, in the sync group and not deleted: a member of its groups. */
export function inScopeNow(user: ExistingUser, connectorId: string): boolean {
  return (
    user.managedBy === ManagedBy.AZURE_AD &&
    user.connectorId === connectorId &&
    user.entra?.inScope === true &&
    user.status !== Status.DELETED
  );
}

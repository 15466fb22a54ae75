import { ControlErrorCode, EmulatorError } from '../util/errors.js';

/**
 * userPrincipalName -> user id, compared without case: a UPN names one user of the tenant. Here
 * active and soft-deleted users hold theirs; a hard delete frees it.
 */
export class UpnIndex {
  private readonly owners = new Map<string, string>();

  /** Takes a new user's UPN; a 409 when another user has it. */
  claim(userPrincipalName: string, id: string): void {
    const key = userPrincipalName.toLowerCase();
    if (this.owners.has(key)) {
      throw new EmulatorError(
        ControlErrorCode.Conflict,
        `userPrincipalName '${userPrincipalName}' is already used`,
      );
    }
    this.owners.set(key, id);
  }

  /** Moves user `id` from one UPN to another; a 409 when another user has the new one. */
  rename(from: string, to: string, id: string): void {
    const next = to.toLowerCase();
    const owner = this.owners.get(next);
    if (owner && owner !== id) {
      throw new EmulatorError(ControlErrorCode.Conflict, `userPrincipalName '${next}' is used`);
    }
    this.owners.delete(from.toLowerCase());
    this.owners.set(next, id);
  }

  release(userPrincipalName: string): void {
    this.owners.delete(userPrincipalName.toLowerCase());
  }
}

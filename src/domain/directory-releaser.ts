/**
 * Implemented by the sync side: on uninstall, the connector's directory users stay but are no
 * longer "Managed by: Azure AD" (they become ordinary users the admin manages by hand).
 */
export interface DirectoryReleaser {
  /** Idempotent; returns how many users were released. */
  releaseConnectorUsers(connectorId: string): Promise<{ released: number }>;
}

import type { Logger } from 'pino';
import { generateOpaqueToken, hashToken } from '../crypto/opaque-token.js';
import type { ConnectorDoc } from '../db/models/connector.model.js';
import type { Models } from '../db/models/index.js';
import { CallerRole, type Caller } from '../domain/caller.js';
import { LiveTopic, type LiveEvents, type RevocationReason } from '../events/live-events.js';

/** Prefix of connector authentication tokens, so a leaked one is recognisable by scanners. */
export const CONNECTOR_TOKEN_PREFIX = 'ehct';

/**
 * A connector's own authentication token: issued at install and rotation (only its SHA-256 is
 * stored), resolved to the connector's principal, and revoked on every instance at once.
 */
export class ConnectorTokens {
  constructor(
    private readonly deps: {
      models: Pick<Models, 'Connector'>;
      live: LiveEvents;
      logger: Logger;
    },
  ) {}

  /** A new token, shown once to the admin; store `hashToken(token)`. */
  issue(): string {
    return generateOpaqueToken(CONNECTOR_TOKEN_PREFIX);
  }

  /**
   * The principal of a connector's own authentication token (see server/auth.ts): only while
   * the connector is installed and enabled (disabling it revokes the token until re-enabled).
   */
  async authenticateConnectorToken(token: string): Promise<Caller | null> {
    if (!token.startsWith(`${CONNECTOR_TOKEN_PREFIX}_`) || token.length > 200) return null;
    const doc = await this.deps.models.Connector.findOne({
      authTokenHash: hashToken(token),
      uninstalledAt: null,
      enabled: true,
    }).lean<ConnectorDoc>();
    if (!doc) return null;
    return {
      role: CallerRole.CONNECTOR,
      connectorId: doc._id.toHexString(),
      companyId: doc.companyId.toHexString(),
    };
  }

  /**
   * Tells every instance that the connector's token stopped working, so sockets opened with it
   * close at once. HTTP needs no event: each request authenticates against the database. A
   * failed publish is logged: sockets then find out at their next credential re-check.
   */
  async revoke(doc: ConnectorDoc, reason: RevocationReason): Promise<void> {
    const connectorId = doc._id.toHexString();
    try {
      await this.deps.live.publish(LiveTopic.CREDENTIAL_REVOKED, {
        connectorId,
        companyId: doc.companyId.toHexString(),
        reason,
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, connectorId, reason }, 'could not publish a revocation');
    }
  }
}

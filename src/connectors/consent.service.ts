import type { Logger } from 'pino';
import type { ConnectorDoc, ConnectorModel } from '../db/models/connector.model.js';
import { ErrorCode, isAppError } from '../domain/errors.js';
import type { ConsentStateStore } from './consent-state.store.js';
import type { ConnectorSetupService } from './connector-setup.service.js';

/** Query parameters of Entra's redirect, as received (untrusted). */
export interface ConsentCallbackParams {
  state: string | null;
  adminConsent: string | null;
  tenant: string | null;
  error: string | null;
}

export type ConsentResult = 'verified' | 'denied' | 'error';

/**
 * What the portal learns. `reason` is always from a fixed vocabulary (an Entra OAuth error code
 * we know, or one of ours), never text from the request.
 */
export interface ConsentOutcome {
  connectorId: string | null;
  result: ConsentResult;
  reason: string | null;
}

/** OAuth error codes Entra may send back; anything else becomes `consent_failed`. */
const KNOWN_OAUTH_ERRORS = new Set([
  'access_denied',
  'consent_required',
  'invalid_request',
  'invalid_client',
  'unauthorized_client',
  'server_error',
  'temporarily_unavailable',
]);

/** The admin-consent round trip's return leg (`GET /azure/callback`). */
export class ConsentService {
  constructor(
    private readonly deps: {
      Connector: ConnectorModel;
      consentStates: ConsentStateStore;
      setup: ConnectorSetupService;
      logger: Logger;
    },
  ) {}

  async completeConsent(params: ConsentCallbackParams): Promise<ConsentOutcome> {
    const binding = params.state ? await this.deps.consentStates.consume(params.state) : null;
    if (!binding) return { connectorId: null, result: 'error', reason: 'invalid_state' };
    const connectorId = binding.connectorId.toHexString();
    const fail = (reason: string): ConsentOutcome => ({ connectorId, result: 'error', reason });

    const doc = await this.deps.Connector.findOne({
      _id: binding.connectorId,
      uninstalledAt: null,
    }).lean<ConnectorDoc>();
    if (!doc) return fail('connector_not_found');
    // The admin changed the credentials after asking for consent: this consent is for others.
    if (doc.tenantId !== binding.tenantId || doc.clientId !== binding.clientId) {
      return fail('credentials_changed');
    }

    if (params.error !== null) {
      const code = KNOWN_OAUTH_ERRORS.has(params.error) ? params.error : 'consent_failed';
      this.deps.logger.info({ connectorId, reason: code }, 'admin consent not granted');
      return { connectorId, result: code === 'access_denied' ? 'denied' : 'error', reason: code };
    }
    if (params.adminConsent?.toLowerCase() !== 'true') return fail('invalid_response');
    if (params.tenant !== null && params.tenant.toLowerCase() !== binding.tenantId.toLowerCase()) {
      return fail('tenant_mismatch');
    }

    try {
      const outcome = await this.deps.setup.verifyAfterConsent(doc);
      if (outcome.verified) return { connectorId, result: 'verified', reason: null };
      return fail(outcome.error?.reason?.toLowerCase() ?? 'verification_failed');
    } catch (error) {
      if (!isAppError(error)) {
        this.deps.logger.error({ err: error, connectorId }, 'verification after consent failed');
        return fail('verification_failed');
      }
      return fail(
        error.code === ErrorCode.UPSTREAM_UNAVAILABLE
          ? 'upstream_unavailable'
          : 'verification_failed',
      );
    }
  }
}

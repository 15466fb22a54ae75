import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import { AppError, ErrorCode } from '../../domain/errors.js';
import { tokenFailureOf } from './entra-auth-error.js';
import { toGraphAppError } from './graph-errors.js';

/** A subscription as Graph returns it (the fields the hub reads). */
export interface GraphSubscription {
  id: string;
  resource: string;
  changeType: string;
  expirationDateTime: string;
}

export interface CreateSubscriptionInput {
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  expirationDateTime: Date;
  clientState: string;
}

/**
 * Graph's subscription endpoints (graph-facts §6), through the Graph SDK client the connector's
 * credentials produce. Errors come back as AppErrors: NOT_FOUND (gone: recreate),
 * UPSTREAM_UNAUTHORIZED (credentials, consent, or the 403 of a full quota), UPSTREAM_UNAVAILABLE.
 */
export class GraphSubscriptionsApi {
  constructor(private readonly client: Client) {}

  async create(input: CreateSubscriptionInput): Promise<GraphSubscription> {
    return call('create', async () => {
      const created = (await this.client.api('/subscriptions').post({
        changeType: input.changeType,
        notificationUrl: input.notificationUrl,
        lifecycleNotificationUrl: input.lifecycleNotificationUrl,
        resource: input.resource,
        expirationDateTime: input.expirationDateTime.toISOString(),
        clientState: input.clientState,
      })) as GraphSubscription;
      return created;
    });
  }

  async renew(id: string, expirationDateTime: Date): Promise<GraphSubscription> {
    return call('renew', async () => {
      const renewed = (await this.client
        .api(`/subscriptions/${encodeURIComponent(id)}`)
        .patch({ expirationDateTime: expirationDateTime.toISOString() })) as GraphSubscription;
      return renewed;
    });
  }

  async reauthorize(id: string): Promise<void> {
    await call('reauthorize', () =>
      this.client.api(`/subscriptions/${encodeURIComponent(id)}/reauthorize`).post({}),
    );
  }

  /** Deleting one that is already gone is success: the goal is that it does not exist. */
  async delete(id: string): Promise<void> {
    try {
      await call('delete', () =>
        this.client.api(`/subscriptions/${encodeURIComponent(id)}`).delete(),
      );
    } catch (error) {
      if (!(error instanceof AppError && error.code === ErrorCode.NOT_FOUND)) throw error;
    }
  }
}

async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toAppError(operation, error);
  }
}

function toAppError(operation: string, error: unknown): AppError {
  // A token failure (wrong or expired secret, app gone, ...) is named as everywhere else, not
  // as a failed subscription call.
  const tokenFailure = tokenFailureOf(error);
  if (tokenFailure) return tokenFailure;
  if (!(error instanceof GraphError)) {
    return new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, `Graph subscription ${operation} failed`, {
      cause: error,
    });
  }
  const details = { operation, status: error.statusCode, graphCode: error.code ?? undefined };
  const options = { details, cause: error };
  if (error.statusCode === 404) {
    return new AppError(ErrorCode.NOT_FOUND, 'Graph subscription not found', options);
  }
  if (error.code === 'Authorization_RequestDenied' || error.statusCode === 401) {
    const refused = toGraphAppError(error, `subscription ${operation}`);
    return new AppError(refused.code, refused.message, {
      cause: error,
      details: { ...details, ...refused.details },
    });
  }
  if (error.statusCode === 403) {
    // Over the subscription quota (403 ExtensionError): not the credentials' fault.
    return new AppError(
      ErrorCode.UPSTREAM_UNAUTHORIZED,
      `Graph refused the subscription ${operation} (${error.statusCode})`,
      options,
    );
  }
  return new AppError(
    ErrorCode.UPSTREAM_UNAVAILABLE,
    `Graph subscription ${operation} failed (${error.statusCode})`,
    options,
  );
}

import type { EmulatorContext } from '../emulator-context.js';
import type { GraphCall, GraphRouteMeta } from '../graph/graph-call.js';
import { badRequest, graphHeaders, graphJson } from '../graph/graph-error.js';
import { empty } from '../http/responses.js';
import type { Router } from '../http/router.js';
import type { EmuRequest } from '../http/types.js';
import type { EmulatedSubscriptionService } from './emulated-subscription.service.js';
import type { SubscriptionRecord } from './subscription.store.js';

/**
 * `/subscriptions` (subscription.md). Change notifications are not an identity-service path:
 * they cost no resource units here.
 */
export function registerSubscriptionRoutes(
  router: Router<GraphCall, GraphRouteMeta>,
  service: EmulatedSubscriptionService,
): void {
  const meta = { permission: 'authenticated', baseCost: 0 } as const;
  router.add(
    'POST',
    '/v1.0/subscriptions',
    async (request, _params, call) =>
      graphJson(
        request,
        201,
        subscriptionView(call.ctx, await service.create(call, readJson(request)), true),
      ),
    meta,
  );
  router.add(
    'GET',
    '/v1.0/subscriptions',
    (request, _params, call) =>
      graphJson(request, 200, {
        '@odata.context': `${call.ctx.baseUrl}/v1.0/$metadata#subscriptions`,
        value: service.list(call).map((s) => subscriptionView(call.ctx, s, false)),
      }),
    meta,
  );
  router.add(
    'GET',
    '/v1.0/subscriptions/:id',
    (request, params, call) =>
      graphJson(request, 200, subscriptionView(call.ctx, service.find(call, params['id']!), true)),
    meta,
  );
  router.add(
    'PATCH',
    '/v1.0/subscriptions/:id',
    (request, params, call) =>
      graphJson(
        request,
        200,
        subscriptionView(call.ctx, service.renew(call, params['id']!, readJson(request)), true),
      ),
    meta,
  );
  router.add(
    'DELETE',
    '/v1.0/subscriptions/:id',
    (request, params, call) => {
      service.delete(call, params['id']!);
      return empty(204, graphHeaders(request));
    },
    meta,
  );
  router.add(
    'POST',
    '/v1.0/subscriptions/:id/reauthorize',
    (request, params, call) => {
      service.reauthorize(call, params['id']!);
      return empty(204, graphHeaders(request));
    },
    meta,
  );
}

function readJson(request: EmuRequest): Record<string, unknown> {
  try {
    const value = JSON.parse(request.body.toString('utf8') || '{}') as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw badRequest('The request body must be a JSON object.');
}

export function subscriptionView(ctx: EmulatorContext, s: SubscriptionRecord, entity: boolean) {
  return {
    ...(entity ? { '@odata.context': `${ctx.baseUrl}/v1.0/$metadata#subscriptions/$entity` } : {}),
    id: s.id,
    resource: s.resource,
    applicationId: s.applicationId,
    changeType: s.changeTypes.join(','),
    clientState: s.clientState,
    notificationUrl: s.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl,
    expirationDateTime: new Date(s.expiresAt).toISOString(),
    creatorId: s.creatorId,
    includeResourceData: null,
    latestSupportedTlsVersion: 'v1_2',
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}

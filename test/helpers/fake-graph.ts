import { randomBytes, randomUUID } from 'node:crypto';
import { Client, type Context, type Middleware } from '@microsoft/microsoft-graph-client';

interface StoredSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  clientState: string;
  expirationDateTime: string;
}

type Operation = 'create' | 'renew' | 'reauthorize' | 'delete';

/** Longest lifetime Graph grants user and group subscriptions (graph-facts §6). */
const MAX_MINUTES = 41_760;

/**
 * An in-process stand-in for Graph's /subscriptions endpoints, plugged into the real Graph SDK
 * client as its only middleware. It performs the validation handshake against the hub's real
 * receiver over HTTP, exactly as Graph does, and delivers notifications the same way. Used until
 * the emulator (branch `emulator`) serves subscriptions.
 */
export class FakeGraph implements Middleware {
  readonly subscriptions = new Map<string, StoredSubscription>();
  readonly calls: { operation: Operation; id?: string }[] = [];
  private readonly failures: { operation: Operation; status: number; code: string }[] = [];

  client(): Client {
    return Client.initWithMiddleware({ middleware: this });
  }

  /** The next `operation` answers `status` with a Graph error body. */
  failNext(operation: Operation, status: number, code = 'Failure'): void {
    this.failures.push({ operation, status, code });
  }

  /** Graph lost the subscription (expired, removed): later calls on it answer 404. */
  forget(id: string): void {
    this.subscriptions.delete(id);
  }

  /** POSTs a change notification for `id` the way Graph delivers it. */
  deliver(id: string, tenantId: string, changeType = 'updated'): Promise<Response> {
    const sub = this.subscriptions.get(id)!;
    const objectId = randomUUID();
    return post(sub.notificationUrl, {
      ...this.envelope(sub, tenantId),
      changeType,
      resource: `${sub.resource.slice(1)}/${objectId}`,
      resourceData: { '@odata.type': '#Microsoft.Graph.User', id: objectId },
    });
  }

  /** POSTs a lifecycle notification for `id` to its lifecycleNotificationUrl. */
  deliverLifecycle(id: string, tenantId: string, lifecycleEvent: string): Promise<Response> {
    const sub = this.subscriptions.get(id)!;
    return post(sub.lifecycleNotificationUrl, { ...this.envelope(sub, tenantId), lifecycleEvent });
  }

  private envelope(sub: StoredSubscription, tenantId: string) {
    return {
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: sub.expirationDateTime,
      clientState: sub.clientState,
      tenantId,
    };
  }

  async execute(context: Context): Promise<void> {
    // The SDK passes the URL as a string and a JSON string body for these calls.
    const url = new URL(context.request as string);
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const raw = context.options?.body;
    const body = typeof raw === 'string' ? (JSON.parse(raw) as Record<string, string>) : {};
    const path = url.pathname.replace(/^\/v1\.0/, '');
    const [, collection, id, action] = path.split('/');
    context.response = await this.route(method, collection, id, action, body);
  }

  private async route(
    method: string,
    collection: string | undefined,
    id: string | undefined,
    action: string | undefined,
    body: Record<string, string>,
  ): Promise<Response> {
    if (collection !== 'subscriptions') return error(404, 'ResourceNotFound');
    if (method === 'POST' && !id) return this.create(body);
    const operation: Operation =
      method === 'PATCH' ? 'renew' : method === 'DELETE' ? 'delete' : 'reauthorize';
    this.calls.push({ operation, id: id! });
    const injected = this.takeFailure(operation);
    if (injected) return injected;
    const sub = this.subscriptions.get(id!);
    if (!sub) return error(404, 'ResourceNotFound');
    if (method === 'DELETE') {
      this.subscriptions.delete(sub.id);
      return new Response(null, { status: 204 });
    }
    if (method === 'POST' && action === 'reauthorize') return new Response(null, { status: 204 });
    sub.expirationDateTime = capExpiry(body['expirationDateTime']!);
    return json(200, sub);
  }

  private async create(body: Record<string, string>): Promise<Response> {
    this.calls.push({ operation: 'create' });
    const injected = this.takeFailure('create');
    if (injected) return injected;
    for (const target of [body['notificationUrl'], body['lifecycleNotificationUrl']]) {
      if (target && !(await validates(target))) {
        return error(400, 'InvalidRequest', 'Subscription validation request failed.');
      }
    }
    const sub: StoredSubscription = {
      id: randomUUID(),
      resource: body['resource']!,
      changeType: body['changeType']!,
      notificationUrl: body['notificationUrl']!,
      lifecycleNotificationUrl: body['lifecycleNotificationUrl']!,
      clientState: body['clientState']!,
      expirationDateTime: capExpiry(body['expirationDateTime']!),
    };
    this.subscriptions.set(sub.id, sub);
    const { clientState: _omit, ...visible } = sub;
    return json(201, visible);
  }

  private takeFailure(operation: Operation): Response | undefined {
    const index = this.failures.findIndex((f) => f.operation === operation);
    if (index < 0) return undefined;
    const [failure] = this.failures.splice(index, 1);
    return error(failure!.status, failure!.code);
  }
}

/** Graph's handshake: POST {url}?validationToken=..., expect 200 text/plain echoing the token. */
async function validates(target: string): Promise<boolean> {
  const token = `Validation: Testing client application reachability ${randomBytes(8).toString('hex')} <b>&</b>`;
  const res = await fetch(`${target}?validationToken=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
  const type = res.headers.get('content-type') ?? '';
  return res.status === 200 && type.startsWith('text/plain') && (await res.text()) === token;
}

function post(url: string, item: Record<string, unknown>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ value: [item] }),
  });
}

function capExpiry(requested: string): string {
  const max = Date.now() + MAX_MINUTES * 60_000;
  return new Date(Math.min(new Date(requested).getTime(), max)).toISOString();
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

function error(status: number, code: string, message = code): Response {
  return json(status, { error: { code, message } });
}

import { z } from 'zod';
import type { Router } from '../http/router.js';
import type { EmuRequest, EmuResponse, RouteParams } from '../http/types.js';
import type { GraphCall, GraphRouteMeta } from './graph-call.js';
import { badRequest, graphJson } from './graph-error.js';

/** json-batching.md: at most 20 requests per batch. */
export const MAX_BATCH_REQUESTS = 20;

const batchSchema = z.object({
  requests: z.array(
    z.object({
      id: z.string().min(1),
      method: z.string().min(1),
      url: z.string().min(1),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
      dependsOn: z.array(z.string()).optional(),
    }),
  ),
});

const STEP_HEADERS = [
  ['content-type', 'Content-Type'],
  ['retry-after', 'Retry-After'],
  ['location', 'Location'],
  ['x-ms-resource-unit', 'x-ms-resource-unit'],
] as const;

type BatchItem = z.infer<typeof batchSchema>['requests'][number];

export type SubRequestRunner = (request: EmuRequest) => Promise<EmuResponse>;

/**
 * `POST /$batch`: each step runs through the whole Graph pipeline (its own auth check,
 * faults and resource units; the batch itself costs nothing), with the batch's token. Steps
 * with `dependsOn` wait for their dependencies and fail with 424 when one failed.
 */
export function registerBatchRoutes(
  router: Router<GraphCall, GraphRouteMeta>,
  run: SubRequestRunner,
): void {
  router.add('POST', '/v1.0/$batch', (request, params, call) => batch(request, params, call, run), {
    permission: 'authenticated',
    baseCost: 0,
  });
}

async function batch(
  request: EmuRequest,
  _params: RouteParams,
  call: GraphCall,
  run: SubRequestRunner,
): Promise<EmuResponse> {
  let parsed: z.infer<typeof batchSchema>;
  try {
    parsed = batchSchema.parse(JSON.parse(request.body.toString('utf8') || '{}'));
  } catch {
    throw badRequest('Invalid batch payload format.');
  }
  const items = parsed.requests;
  if (items.length === 0) throw badRequest('Invalid batch payload: no requests.');
  if (items.length > MAX_BATCH_REQUESTS) {
    throw badRequest(`Number of batch request steps exceeds the maximum of ${MAX_BATCH_REQUESTS}.`);
  }
  // "id ... Not case-sensitive. Must be unique in the batch, otherwise, the batch request fails
  // with a 400 error code." (https://learn.microsoft.com/en-us/graph/json-batching)
  const byId = new Map(items.map((item) => [item.id.toLowerCase(), item]));
  if (byId.size !== items.length) throw badRequest('Batch request ids must be unique.');
  for (const item of items) {
    if (/^https?:/i.test(item.url)) throw badRequest('Batch request urls must be relative.');
    for (const dep of item.dependsOn ?? [])
      if (!byId.has(dep.toLowerCase())) throw badRequest(`Unknown dependsOn id '${dep}'.`);
  }
  const results = new Map<string, Promise<EmuResponse>>();
  const execute = (item: BatchItem): Promise<EmuResponse> => {
    let pending = results.get(item.id);
    if (!pending) {
      pending = (async () => {
        const deps = await Promise.all(
          (item.dependsOn ?? []).map((dep) => execute(byId.get(dep.toLowerCase())!)),
        );
        if (deps.some((dep) => dep.status >= 400)) {
          return graphJson(request, 424, {
            error: { code: 'FailedDependency', message: 'A dependency failed.' },
          });
        }
        return run(subRequest(request, call, item));
      })();
      results.set(item.id, pending);
    }
    return pending;
  };
  const responses = await Promise.all(items.map(execute));
  return graphJson(request, 200, {
    responses: items.map((item, index) => {
      const response = responses[index]!;
      // Graph writes batch step headers capitalized, and the SDK's BatchResponseContent looks
      // up "Content-Type" case-sensitively to decide that a body is JSON.
      const headers: Record<string, string> = {};
      for (const [name, canonical] of STEP_HEADERS) {
        if (response.headers[name] !== undefined) headers[canonical] = response.headers[name];
      }
      return { id: item.id, status: response.status, headers, body: response.body?.value ?? null };
    }),
  });
}

function subRequest(outer: EmuRequest, call: GraphCall, item: BatchItem): EmuRequest {
  // Step URLs are relative to the version ("/users", json-batching.md). One that repeats it
  // ("/v1.0/users") resolves to /v1.0/v1.0/users, which Graph answers 400 "Resource not found
  // for the segment 'v1.0'" (https://github.com/microsoftgraph/msgraph-sdk-python/issues/1015;
  // the JS SDK 3.0.7's BatchRequestContent sends such URLs for absolute `/v1.0/...` requests,
  // https://github.com/microsoftgraph/msgraph-sdk-javascript/issues/1451).
  const path = item.url.startsWith('/') ? item.url : `/${item.url}`;
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(item.headers ?? {}))
    headers[name.toLowerCase()] = value;
  headers['authorization'] = outer.headers['authorization'];
  headers['client-request-id'] ??= outer.headers['client-request-id'];
  const body = item.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(item.body));
  return {
    method: item.method.toUpperCase(),
    url: new URL(`/v1.0${path}`, call.ctx.baseUrl),
    headers,
    body,
    requestId: outer.requestId,
    batchItemId: item.id,
  };
}

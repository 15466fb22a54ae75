import { json } from '../http/responses.js';
import type { EmuRequest, EmuResponse } from '../http/types.js';

/** Graph error codes the emulator answers with (the `error.code` of Graph's error body). */
export enum GraphErrorCode {
  BadRequest = 'BadRequest',
  UnsupportedQuery = 'Request_UnsupportedQuery',
  ResourceNotFound = 'Request_ResourceNotFound',
  NotFound = 'NotFound',
  InvalidAuthenticationToken = 'InvalidAuthenticationToken',
  AuthorizationRequestDenied = 'Authorization_RequestDenied',
  TooManyRequests = 'TooManyRequests',
  SyncStateNotFound = 'syncStateNotFound',
  ResyncRequired = 'resyncRequired',
  InvalidRequest = 'InvalidRequest',
  ExtensionError = 'ExtensionError',
  /** Graph's code for a wrong method and for query options a directory API refuses. */
  RequestBadRequest = 'Request_BadRequest',
  ServiceUnavailable = 'serviceNotAvailable',
  GeneralException = 'generalException',
  Forbidden = 'Forbidden',
}

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: GraphErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

/** Graph's JSON headers, plus the ids every Graph response carries. */
export function graphHeaders(request: EmuRequest): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type':
      'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
    'request-id': request.requestId,
    'cache-control': 'no-cache',
  };
  const clientRequestId = request.headers['client-request-id'];
  headers['client-request-id'] = clientRequestId ?? request.requestId;
  return headers;
}

/** `{error: {code, message, innerError: {date, request-id, client-request-id}}}`. */
export function graphErrorResponse(
  request: EmuRequest,
  error: GraphError,
  now: number,
): EmuResponse {
  const headers = graphHeaders(request);
  return json(
    error.status,
    {
      error: {
        code: error.code,
        message: error.message,
        innerError: {
          date: new Date(now).toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': request.requestId,
          'client-request-id': headers['client-request-id'],
        },
      },
    },
    { ...headers, ...error.headers },
  );
}

export function graphJson(request: EmuRequest, status: number, value: unknown): EmuResponse {
  return json(status, value, graphHeaders(request));
}

export const badRequest = (message: string) =>
  new GraphError(400, GraphErrorCode.BadRequest, message);
export const unsupportedQuery = (message = 'Unsupported Query.') =>
  new GraphError(400, GraphErrorCode.UnsupportedQuery, message);
export const resourceNotFound = (id: string) =>
  new GraphError(
    404,
    GraphErrorCode.ResourceNotFound,
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

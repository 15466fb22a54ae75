import { json } from '../http/responses.js';
import type { EmuRequest, EmuResponse } from '../http/types.js';
import { newGuid } from '../util/guid.js';

/** The identity platform's cache headers on every token-endpoint answer. */
export const NO_STORE = { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' } as const;

/**
 * An identity-platform error: `{error, error_description, error_codes, timestamp, trace_id,
 * correlation_id, error_uri}`, the description starting `AADSTS<n>: ` and ending with the ids,
 * as Entra writes it. The correlation id echoes the client's `client-request-id` (MSAL sends one).
 */
export function aadError(
  request: EmuRequest,
  now: number,
  status: number,
  error: string,
  code: number,
  description: string,
  authorityHost: string,
): EmuResponse {
  const traceId = newGuid();
  const correlationId = request.headers['client-request-id'] ?? newGuid();
  const timestamp = new Date(now)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
  return json(
    status,
    {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${authorityHost}/error?code=${code}`,
    },
    { ...NO_STORE, 'x-ms-request-id': traceId, 'client-request-id': correlationId },
  );
}

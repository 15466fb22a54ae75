import type { ServerResponse } from 'node:http';
import { sendPlainText } from '../server/http-io.js';
/** Why the receiver refused a request; each maps to one HTTP status. */
export enum WebhookRejection {
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  MALFORMED = 'MALFORMED',
  UNAVAILABLE = 'UNAVAILABLE',
}

const STATUS: Record<WebhookRejection, number> = {
  [WebhookRejection.METHOD_NOT_ALLOWED]: 405,
  [WebhookRejection.UNSUPPORTED_MEDIA_TYPE]: 415,
  [WebhookRejection.PAYLOAD_TOO_LARGE]: 413,
  [WebhookRejection.MALFORMED]: 400,
  // Graph retries non-2xx answers for up to 4 hours: the right answer when we cannot persist.
  [WebhookRejection.UNAVAILABLE]: 503,
};

export class WebhookRequestError extends Error {
  constructor(readonly rejection: WebhookRejection) {
    super(rejection);
    this.name = 'WebhookRequestError';
  }

  get status(): number {
    return STATUS[this.rejection];
  }
}

export function sendRejection(res: ServerResponse, error: WebhookRequestError): void {
  if (error.rejection === WebhookRejection.METHOD_NOT_ALLOWED) res.setHeader('Allow', 'POST');
  if (error.rejection === WebhookRejection.PAYLOAD_TOO_LARGE) res.setHeader('Connection', 'close');
  if (error.rejection === WebhookRejection.UNAVAILABLE) res.setHeader('Retry-After', '5');
  sendPlainText(res, error.status, `${error.rejection}\n`);
}

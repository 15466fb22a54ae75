import type { z } from 'zod';
import { empty, json } from '../http/responses.js';
import type { EmuRequest } from '../http/types.js';
import { ControlErrorCode, EmulatorError } from '../util/errors.js';
import type { EmulatorControl } from './control.service.js';

export interface ControlDeps {
  control: EmulatorControl;
  info(): { authorityHost: string; graphBaseUrl: string; caCertPem: string };
}

/** Parses a JSON body with a zod schema; a bad body is a 400 `invalid_request`. */
export function readBody<S extends z.ZodType>(request: EmuRequest, schema: S): z.infer<S> {
  let value: unknown = {};
  const text = request.body.toString('utf8').trim();
  if (text !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new EmulatorError(ControlErrorCode.InvalidRequest, 'the body is not JSON');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new EmulatorError(ControlErrorCode.InvalidRequest, detail.join('; '));
  }
  return parsed.data;
}

export const ok = (value: unknown) => json(200, value);
export const created = (value: unknown) => json(201, value);
export const done = () => empty(204);

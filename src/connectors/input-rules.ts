import { badInput } from '../domain/errors.js';
import { isGuid } from '../domain/ids.js';

/**
 * Input checks shared by the services. Each failure is BAD_USER_INPUT naming the field and why,
 * and never echoes the value (it may be a secret pasted into the wrong box).
 */
export function displayName(field: string, value: string, max = 100): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw badInput(field, 'must not be empty');
  if (trimmed.length > max) throw badInput(field, `must be at most ${max} characters`);
  // Control characters break the portal's tables and log lines; they are never meant.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw badInput(field, 'must not contain control characters');
  }
  return trimmed;
}

export function guid(field: string, value: string): string {
  const trimmed = value.trim();
  if (!isGuid(trimmed)) {
    throw badInput(field, 'must be a GUID such as 00000000-0000-0000-0000-000000000000');
  }
  return trimmed.toLowerCase();
}

/** Entra secret values are about 40 printable ASCII characters; 1 KB is generous. */
export const MAX_SECRET_LENGTH = 1_024;

export function clientSecret(field: string, value: string): string {
  // Surrounding whitespace is a copy-paste artefact: Entra secrets never contain whitespace.
  const trimmed = value.trim();
  if (trimmed.length === 0) throw badInput(field, 'must not be empty');
  if (trimmed.length > MAX_SECRET_LENGTH) {
    throw badInput(field, `must be at most ${MAX_SECRET_LENGTH} characters`);
  }
  if (/\s|[^\x21-\x7e]/.test(trimmed)) {
    throw badInput(
      field,
      'must be the secret Value from Entra (printable characters, no spaces), not its ID',
    );
  }
  return trimmed;
}

export function futureDate(field: string, value: Date, now: Date): Date {
  if (Number.isNaN(value.getTime())) throw badInput(field, 'must be a valid date');
  if (value.getTime() <= now.getTime()) throw badInput(field, 'must be in the future');
  return value;
}

export function intInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badInput(field, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

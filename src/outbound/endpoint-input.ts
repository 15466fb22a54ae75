import { OperatorEventType, WEBHOOK_EVENT_TYPES } from '../domain/directory-event.js';
import { AppError, ErrorCode } from '../domain/errors.js';
import { resolveTarget, type ResolveAll } from './safe-target.js';
import type { TargetRules } from './target-policy.js';

export const MAX_DESCRIPTION = 500;
export const MAX_EVENT_TYPES = 50;

/** Why an input was refused: the field and the rule, as `extensions.details`. */
function refuse(field: string, rule: string, message: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, `${field}: ${message} (rule ${rule})`, {
    details: { field, rule },
  });
}

/** A receiver URL that passes every target rule now; BAD_USER_INPUT naming the rule otherwise. */
export async function checkedUrl(
  url: string,
  rules: TargetRules,
  resolve?: ResolveAll,
): Promise<string> {
  const resolution = await resolveTarget(url.trim(), rules, resolve);
  if (!resolution.ok) throw refuse('url', resolution.rule, resolution.message);
  return resolution.target.url.toString();
}

/** Known, de-duplicated event types (the test event is never subscribed: it is sent on demand). */
export function checkedEventTypes(types: readonly string[] | null | undefined): string[] {
  const list = [...new Set((types ?? []).map((t) => t.trim()))];
  if (list.length > MAX_EVENT_TYPES) {
    throw refuse('eventTypes', 'TOO_MANY', `at most ${MAX_EVENT_TYPES} types`);
  }
  for (const type of list) {
    if (!WEBHOOK_EVENT_TYPES.includes(type) || type === String(OperatorEventType.TEST)) {
      throw refuse(
        'eventTypes',
        'UNKNOWN_EVENT_TYPE',
        `"${type.slice(0, 60)}" is not an event type (docs/webhooks.md lists them)`,
      );
    }
  }
  return list;
}

export function checkedDescription(description: string | null | undefined): string {
  const text = (description ?? '').trim();
  if (text.length > MAX_DESCRIPTION) {
    throw refuse('description', 'TOO_LONG', `at most ${MAX_DESCRIPTION} characters`);
  }
  return text;
}

export function checkedGraceHours(hours: number | null | undefined, fallbackMs: number): number {
  if (hours === null || hours === undefined) return fallbackMs;
  if (!Number.isInteger(hours) || hours < 0 || hours > 720) {
    throw refuse('graceHours', 'OUT_OF_RANGE', 'must be a whole number of hours from 0 to 720');
  }
  return hours * 3_600_000;
}

import { badInput } from '../domain/errors.js';
import {
  AttributeChangeAction,
  DeprovisionAction,
  ReenableAction,
  UserAddedAction,
  type SyncRules,
} from '../domain/sync-rules.js';
import { intInRange } from './input-rules.js';

/** A partial update of the rules: absent (or null, except `deleteAfterDays`) = keep. */
export type SyncRulesPatch = { [K in keyof SyncRules]?: SyncRules[K] | null };

/** Validates a patch (enums, ranges) and drops the keys it does not change. */
export function normalizeRulesPatch(patch: SyncRulesPatch): Partial<SyncRules> {
  const out: Partial<SyncRules> = {};
  const oneOf = <T extends string>(
    field: keyof SyncRules,
    value: unknown,
    allowed: Record<string, T>,
  ) => {
    if (!Object.values<string>(allowed).includes(value as string)) {
      throw badInput(field, `must be one of ${Object.values(allowed).join(', ')}`);
    }
    return value as T;
  };
  if (patch.userAdded != null) out.userAdded = oneOf('userAdded', patch.userAdded, UserAddedAction);
  for (const key of [
    'userRemovedFromGroup',
    'userDisabledInEntra',
    'userDeletedInEntra',
  ] as const) {
    const value = patch[key];
    if (value != null) out[key] = oneOf(key, value, DeprovisionAction);
  }
  if (patch.userReenabled != null)
    out.userReenabled = oneOf('userReenabled', patch.userReenabled, ReenableAction);
  if (patch.attributesChanged != null) {
    out.attributesChanged = oneOf(
      'attributesChanged',
      patch.attributesChanged,
      AttributeChangeAction,
    );
  }
  if (patch.deleteAfterDays !== undefined) {
    out.deleteAfterDays =
      patch.deleteAfterDays === null
        ? null
        : intInRange('deleteAfterDays', patch.deleteAfterDays, 1, 3650);
  }
  for (const key of ['includeNestedGroups', 'includeGuests', 'linkExistingByEmail'] as const) {
    const value = patch[key];
    if (value != null) {
      if (typeof value !== 'boolean') throw badInput(key, 'must be true or false');
      out[key] = value;
    }
  }
  if (patch.massChangeThresholdPercent != null) {
    out.massChangeThresholdPercent = intInRange(
      'massChangeThresholdPercent',
      patch.massChangeThresholdPercent,
      0,
      100,
    );
  }
  if (patch.massChangeThresholdAbsolute != null) {
    out.massChangeThresholdAbsolute = intInRange(
      'massChangeThresholdAbsolute',
      patch.massChangeThresholdAbsolute,
      0,
      1_000_000,
    );
  }
  return out;
}

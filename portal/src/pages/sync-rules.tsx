import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice, Notice } from '../components/error-notice';
import type { ConnectorQuery as ConnectorQueryResult } from '../gql/graphql';
import { ActivateConnectorMutation, UpdateSyncRulesMutation } from '../lib/operations';

type Connector = ConnectorQueryResult['connector'];
type Rules = Connector['syncRules'];
type RuleKey = keyof Omit<Rules, '__typename'>;
/** A form value: a choice, a flag, a number, '' while a number field is empty, null = never. */
type RuleValue = string | number | boolean | null;
type Draft = Record<RuleKey, RuleValue>;

interface RuleField {
  key: RuleKey;
  label: string;
  /** What the rule does ("when ..."), as README's sync-rules table says. */
  when: string;
  input:
    | { kind: 'choice'; options: readonly string[]; defaultValue: string }
    | { kind: 'flag'; defaultValue: boolean }
    | { kind: 'number'; defaultValue: number | null; min: number; max: number };
}

const RULES: readonly RuleField[] = [
  {
    key: 'userAdded',
    label: 'User added to the sync group',
    when: 'Creates the user in Password Boss (or creates it pending approval, or ignores it).',
    input: {
      kind: 'choice',
      options: ['CREATE', 'CREATE_PENDING_APPROVAL', 'IGNORE'],
      defaultValue: 'CREATE',
    },
  },
  {
    key: 'userRemovedFromGroup',
    label: 'User removed from the sync group',
    when: 'Disables the user (or soft-deletes it, or ignores it).',
    input: { kind: 'choice', options: ['DISABLE', 'DELETE', 'IGNORE'], defaultValue: 'DISABLE' },
  },
  {
    key: 'userDisabledInEntra',
    label: 'User disabled in Entra',
    when: 'When accountEnabled becomes false.',
    input: { kind: 'choice', options: ['DISABLE', 'DELETE', 'IGNORE'], defaultValue: 'DISABLE' },
  },
  {
    key: 'userDeletedInEntra',
    label: 'User deleted in Entra',
    when: 'When the user is deleted in Entra.',
    input: { kind: 'choice', options: ['DISABLE', 'DELETE', 'IGNORE'], defaultValue: 'DISABLE' },
  },
  {
    key: 'userReenabled',
    label: 'User enabled again',
    when: 'A disabled user is enabled again or rejoins the group.',
    input: { kind: 'choice', options: ['ENABLE', 'IGNORE'], defaultValue: 'ENABLE' },
  },
  {
    key: 'attributesChanged',
    label: 'Attributes changed',
    when: 'Name, email, job title… change (the user keeps its identity).',
    input: { kind: 'choice', options: ['UPDATE', 'IGNORE'], defaultValue: 'UPDATE' },
  },
  {
    key: 'deleteAfterDays',
    label: 'Delete disabled users after (days)',
    when: 'Staged offboarding: disable now, soft-delete after N days. Empty = never.',
    input: { kind: 'number', defaultValue: null, min: 1, max: 3650 },
  },
  {
    key: 'includeNestedGroups',
    label: 'Include nested groups',
    when: 'Members of groups nested in the sync group count as members.',
    input: { kind: 'flag', defaultValue: false },
  },
  {
    key: 'includeGuests',
    label: 'Include guests',
    when: 'B2B guests (#EXT#) in the group are synced.',
    input: { kind: 'flag', defaultValue: true },
  },
  {
    key: 'linkExistingByEmail',
    label: 'Link existing users by email',
    when: 'A new user with the email of an unmanaged user takes it over.',
    input: { kind: 'flag', defaultValue: true },
  },
  {
    key: 'massChangeThresholdPercent',
    label: 'Mass-change guard: percent',
    when: 'A run that would disable or delete more than max(percent of managed users, absolute) waits for approval.',
    input: { kind: 'number', defaultValue: 10, min: 0, max: 100 },
  },
  {
    key: 'massChangeThresholdAbsolute',
    label: 'Mass-change guard: users',
    when: 'The absolute part of the guard above.',
    input: { kind: 'number', defaultValue: 25, min: 0, max: 1_000_000 },
  },
];

/**
 * Sync Rules ("in most cases, the default setting will be the best choice") and Save Changes:
 * the rules that changed are sent (`updateSyncRules` changes only the fields given), then the
 * connector is saved (`activateConnector`), which starts a sync.
 */
export function SyncRulesTab({
  connector,
  onSaved,
}: {
  connector: Connector;
  onSaved: () => void;
}) {
  const [rules, setRules] = useState<Draft>(connector.syncRules);
  const [updated, update] = useMutation(UpdateSyncRulesMutation);
  const [activated, activate] = useMutation(ActivateConnectorMutation);
  const set = (key: RuleKey, value: RuleValue) => setRules((r) => ({ ...r, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const patch: Record<string, RuleValue> = {};
    for (const field of RULES) {
      // An emptied number field: "never" for deleteAfterDays (the others are required).
      const value = rules[field.key] === '' ? null : rules[field.key];
      if (value !== connector.syncRules[field.key]) patch[field.key] = value;
    }
    if (Object.keys(patch).length > 0) {
      // The keys and value kinds are SyncRulesInput's own (RULES lists them); the hub validates.
      const answer = await update({ connectorId: connector.id, rules: patch });
      if (answer.error) return;
    }
    // A disabled connector keeps its rules without being switched back on (Actions > Enable).
    if (connector.activatedAt && !connector.enabled) return onSaved();
    const answer = await activate({ connectorId: connector.id });
    if (!answer.error) onSaved();
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="rules-title">
      <h2 id="rules-title">Sync Rules</h2>
      <p className="hint">
        What the hub does in Password Boss when something changes in Entra. In most cases, the
        default setting will be the best choice.
      </p>
      {!connector.syncGroup && (
        <Notice tone="info" title="Select the sync group first (Users & Groups)." />
      )}
      <div className="rules">
        {RULES.map((field) => (
          <RuleInput
            key={field.key}
            field={field}
            value={rules[field.key]}
            onChange={(v) => set(field.key, v)}
          />
        ))}
      </div>
      <ErrorNotice error={updated.error ?? activated.error} />
      <div className="row">
        <button type="submit" disabled={updated.fetching || activated.fetching}>
          Save Changes
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => setRules({ ...connector.syncRules, ...defaults() })}
        >
          Restore defaults
        </button>
      </div>
    </form>
  );
}

function defaults(): Partial<Draft> {
  return Object.fromEntries(RULES.map((f) => [f.key, f.input.defaultValue]));
}

function RuleInput({
  field,
  value,
  onChange,
}: {
  field: RuleField;
  value: RuleValue;
  onChange: (value: RuleValue) => void;
}) {
  const id = `rule-${field.key}`;
  const describedBy = `${id}-when`;
  const input = field.input;
  let control: React.ReactNode;
  switch (input.kind) {
    case 'choice':
      control = (
        <select
          id={id}
          value={String(value)}
          onChange={(e) => onChange(e.target.value)}
          aria-describedby={describedBy}
        >
          {input.options.map((o) => (
            <option key={o} value={o}>
              {o.replace(/_/g, ' ').toLowerCase()}
              {o === input.defaultValue ? ' (default)' : ''}
            </option>
          ))}
        </select>
      );
      break;
    case 'flag':
      control = (
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.target.checked)}
          aria-describedby={describedBy}
        />
      );
      break;
    case 'number':
      control = (
        <input
          id={id}
          type="number"
          min={input.min}
          max={input.max}
          value={value === null ? '' : String(value)}
          required={input.defaultValue !== null}
          onChange={(e) => onChange(e.target.value === '' ? '' : Number(e.target.value))}
          aria-describedby={describedBy}
        />
      );
      break;
    default: {
      const unknownKind: never = input;
      throw new Error(`unknown rule input ${String(unknownKind)}`);
    }
  }
  return (
    <div className={`rule rule-${input.kind}`}>
      <label htmlFor={id}>{field.label}</label>
      {control}
      <p id={describedBy} className="hint">
        {field.when}
      </p>
    </div>
  );
}

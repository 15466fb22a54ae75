/**
 * The reference deployment's files as `docker compose` reads them, for tests that run where no
 * Docker engine does: deploy/compose.yaml parsed (yaml), YAML merge keys and anchors resolved,
 * and compose's variable interpolation applied.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../../src/config.js';
import { parseComposeEnvFile } from '../helpers/compose-env-file.js';

export const DEPLOY_DIR = path.join(projectRoot(), 'deploy');
export const COMPOSE_FILE = path.join(DEPLOY_DIR, 'compose.yaml');

export type ComposeValue = string | number | boolean | null | ComposeValue[] | ComposeMap;
export interface ComposeMap {
  [key: string]: ComposeValue;
}

export function readCompose(): ComposeMap {
  return parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as ComposeMap;
}

export function readDeployEnvExample(): Record<string, string> {
  return parseComposeEnvFile(readFileSync(path.join(DEPLOY_DIR, '.env.example'), 'utf8'));
}

/**
 * Compose's interpolation (https://docs.docker.com/reference/compose-file/interpolation/):
 * `$$` is a literal `$`; `${VAR}` and `$VAR`; `${VAR:-default}` (unset or empty) and
 * `${VAR-default}` (unset); `${VAR:?message}` and `${VAR?message}` fail; `${VAR:+alt}` and
 * `${VAR+alt}` replace a set value. An unset variable without a default becomes empty.
 */
const PATTERN =
  /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

export interface Interpolated {
  value: ComposeValue;
  /** The variables a `?` form refused, with their message. */
  missing: { name: string; message: string }[];
  /** Every variable the file reads. */
  used: Set<string>;
}

export function interpolate(doc: ComposeValue, env: Record<string, string>): Interpolated {
  const missing: Interpolated['missing'] = [];
  const used = new Set<string>();
  const text = (input: string) =>
    input.replace(PATTERN, (_all, dollar, name, colon, op, arg, bare) => {
      if (dollar) return '$';
      const variable = (name ?? bare) as string;
      used.add(variable);
      const value = env[variable];
      const isSet = colon ? value !== undefined && value !== '' : value !== undefined;
      switch (op as '-' | '+' | '?' | undefined) {
        case '-':
          return isSet ? value! : (arg as string);
        case '+':
          return isSet ? (arg as string) : '';
        case '?':
          if (!isSet) missing.push({ name: variable, message: arg as string });
          return value ?? '';
        case undefined:
          return value ?? '';
      }
    });
  const walk = (value: ComposeValue): ComposeValue => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  return { value: walk(doc), missing, used };
}

/** `services.NAME` of a compose document, as a map. */
export function services(doc: ComposeValue): Record<string, ComposeMap> {
  return (doc as ComposeMap)['services'] as Record<string, ComposeMap>;
}

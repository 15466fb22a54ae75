/**
 * The MongoDB container's scripts of deploy/compose.yaml (deploy/mongo/). No mongod or mongosh
 * runs here (no Docker engine, and MongoDB ships no package a test may install), so each script
 * runs with what its runtime gives it: the two mongosh scripts in a VM context holding mongosh's
 * globals (`db`, `rs`, `quit`, `require`, `process`), answering as MongoDB 8.0 does in each case,
 * and entrypoint.sh under bash with `install` and the image's docker-entrypoint.sh replaced by
 * recorders on PATH. Each is also checked against what compose.yaml passes it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  DEPLOY_DIR,
  interpolate,
  readCompose,
  readDeployEnvExample,
  services,
} from './compose-file.js';

const MONGO_DIR = path.join(DEPLOY_DIR, 'mongo');
const ROOT_PASSWORD_FILE = '/run/secrets/mongo_root_password';
const ROOT_PASSWORD = 'f'.repeat(64);

const deployed = services(
  interpolate(readCompose(), {
    ...readDeployEnvExample(),
    HUB_IMAGE: 'hub:test',
    MONGO_HUB_PASSWORD: 'ab'.repeat(24),
  }).value,
);
const mongo = deployed['mongo']!;
const command = mongo['command'] as string[];
const argAfter = (flag: string) => command[command.indexOf(flag) + 1];
const hubUri = new URL(
  (deployed['hub-1']!['environment'] as Record<string, string>)['MONGODB_URI']!,
);

class Quit extends Error {
  constructor(readonly code: number) {
    super(`quit(${code})`);
  }
}

interface MongoshRun {
  /** quit()'s code, or 1 when the script threw (mongosh exits non-zero). */
  exitCode: number;
  thrown: unknown;
  calls: string[];
}

/** Runs a mongosh script with `globals` over mongosh's `quit`, `require('fs')` and `process`. */
function runMongosh(
  file: string,
  globals: Record<string, unknown>,
  env: Record<string, string> = {},
): MongoshRun {
  const calls: string[] = [];
  const fs = {
    readFileSync: (name: string) => {
      calls.push(`readFileSync ${name}`);
      if (name !== ROOT_PASSWORD_FILE) throw new Error(`ENOENT: ${name}`);
      return `${ROOT_PASSWORD}\n`;
    },
  };
  const context = vm.createContext({
    ...globals,
    calls,
    process: { env },
    require: (name: string) => {
      if (name !== 'fs') throw new Error(`unexpected require(${name})`);
      return fs;
    },
    quit: (code = 0) => {
      throw new Quit(code);
    },
  });
  try {
    vm.runInContext(readFileSync(path.join(MONGO_DIR, file), 'utf8'), context, { filename: file });
    return { exitCode: 0, thrown: undefined, calls };
  } catch (error) {
    if (error instanceof Quit) return { exitCode: error.code, thrown: undefined, calls };
    return { exitCode: 1, thrown: error, calls };
  }
}

interface ReplicaSet {
  /** Each call of rs.status() takes the next answer (an Error is thrown). */
  statuses: (Record<string, unknown> | Error)[];
  writablePrimary: boolean;
}

function healthcheck(replicaSet: ReplicaSet): MongoshRun {
  const recorded: string[] = [];
  const run = runMongosh('healthcheck.js', {
    db: {
      getSiblingDB: (name: string) => ({
        auth: (user: string, password: string) => {
          recorded.push(
            `auth ${name} ${user} ${password === ROOT_PASSWORD ? 'root-password' : password}`,
          );
          return { ok: 1 };
        },
      }),
      hello: () => ({ isWritablePrimary: replicaSet.writablePrimary }),
    },
    rs: {
      status: () => {
        const next = replicaSet.statuses.shift();
        if (!next) throw new Error('rs.status() called more often than expected');
        if (next instanceof Error) throw next;
        return next;
      },
      initiate: (config: unknown) => {
        recorded.push(`initiate ${JSON.stringify(config)}`);
        return { ok: 1 };
      },
    },
  });
  return { ...run, calls: [...run.calls, ...recorded] };
}

/** mongosh's MongoServerError as far as the script reads it. */
function serverError(codeName: string): Error {
  return Object.assign(new Error(codeName), { codeName });
}

describe('deploy/mongo/healthcheck.js: healthy only as the writable primary of rs0', () => {
  it('initiates the replica set on a fresh volume, as compose names it, and is not yet healthy', () => {
    const run = healthcheck({
      statuses: [serverError('NotYetInitialized'), { ok: 1 }],
      writablePrimary: false,
    });
    expect(run.exitCode).toBe(1);
    const config = { _id: argAfter('--replSet'), members: [{ _id: 0, host: hubUri.host }] };
    expect(config).toEqual({ _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] });
    expect(hubUri.searchParams.get('replicaSet')).toBe('rs0');
    expect(run.calls).toEqual([
      `readFileSync ${ROOT_PASSWORD_FILE}`,
      'auth admin root root-password',
      `initiate ${JSON.stringify(config)}`,
    ]);
  });

  it.each([
    ['the writable primary', 0, { ok: 1 }, true],
    ['a secondary, or a node still electing', 1, { ok: 1 }, false],
    ['a status that is not ok', 1, { ok: 0 }, true],
  ])('%s: exit %i', (_what, exitCode, status, writablePrimary) => {
    const run = healthcheck({ statuses: [status], writablePrimary });
    expect([run.exitCode, run.thrown]).toEqual([exitCode, undefined]);
    expect(run.calls.some((c) => c.startsWith('initiate'))).toBe(false);
  });

  it('fails on any other error (wrong root password, a removed member) without initiating', () => {
    const run = healthcheck({ statuses: [serverError('Unauthorized')], writablePrimary: true });
    expect(run.exitCode).toBe(1);
    expect((run.thrown as { codeName: string }).codeName).toBe('Unauthorized');
    expect(run.calls.some((c) => c.startsWith('initiate'))).toBe(false);
  });

  it('reads the root password from the secret compose mounts', () => {
    expect(mongo['secrets']).toContain('mongo_root_password');
    const env = mongo['environment'] as Record<string, string>;
    expect(env['MONGO_INITDB_ROOT_PASSWORD_FILE']).toBe(ROOT_PASSWORD_FILE);
  });
});

describe('deploy/mongo/create-hub-user.js: the hub user, as the hub connects', () => {
  const createUser = (password: string | undefined) => {
    const users: { db: string; spec: Record<string, unknown> }[] = [];
    const run = runMongosh(
      'create-hub-user.js',
      {
        db: {
          getSiblingDB: (name: string) => ({
            createUser: (spec: Record<string, unknown>) => users.push({ db: name, spec }),
          }),
        },
      },
      password === undefined ? {} : { MONGO_HUB_PASSWORD: password },
    );
    return { run, users };
  };

  it('creates the user of MONGODB_URI in its authSource with readWrite on its database only', () => {
    const password = decodeURIComponent(hubUri.password);
    const { run, users } = createUser(password);
    expect(run.exitCode).toBe(0);
    expect(users).toEqual([
      {
        db: hubUri.searchParams.get('authSource'),
        spec: {
          user: decodeURIComponent(hubUri.username),
          pwd: password,
          roles: [{ role: 'readWrite', db: hubUri.pathname.slice(1) }],
        },
      },
    ]);
    expect(users[0]!.spec['roles']).toEqual([{ role: 'readWrite', db: 'entra_hub' }]);
  });

  it.each([[undefined], [''], ['short-password']])(
    'refuses a missing or short MONGO_HUB_PASSWORD (%p) and creates nobody',
    (password) => {
      const { run, users } = createUser(password);
      expect(run.exitCode).toBe(1);
      expect(String(run.thrown)).toContain('MONGO_HUB_PASSWORD');
      expect(users).toEqual([]);
    },
  );
});

describe('deploy/mongo/entrypoint.sh', () => {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'hub-mongo-entrypoint-'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  it("hands mongod a keyfile only mongodb can read, at compose's --keyFile, then the image's entrypoint", () => {
    const log = path.join(bin, 'calls.log');
    for (const name of ['install', 'docker-entrypoint.sh']) {
      writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${log}"\n`);
      chmodSync(path.join(bin, name), 0o755);
    }
    const result = spawnSync('bash', [path.join(MONGO_DIR, 'entrypoint.sh'), ...command], {
      env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` },
      encoding: 'utf8',
    });
    expect([result.status, result.stderr]).toEqual([0, '']);
    const keyFile = argAfter('--keyFile');
    expect(mongo['secrets']).toContain('mongo_keyfile');
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      `install -m 400 -o mongodb -g mongodb /run/secrets/mongo_keyfile ${keyFile}`,
      `docker-entrypoint.sh mongod ${command.join(' ')}`,
    ]);
  });
});

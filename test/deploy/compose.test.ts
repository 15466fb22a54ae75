/**
 * The reference deployment (deploy/) without a Docker engine: compose.yaml is valid against the
 * compose specification's JSON schema (as shipped by dclint, before and after interpolation) and
 * passes dclint's rules; deploy/.env.example reads under compose's env_file rules and names
 * exactly what must be filled in; and the file keeps the deployment's promises: only the proxy
 * is published, MongoDB is pinned, authenticated and health-checked, every service is limited
 * and restarted, the hubs wait for `migrate`, and the proxy and Prometheus know every replica.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { parse, stringify } from 'yaml';
import { loadConfig, projectRoot } from '../../src/config.js';
import { parseComposeEnvFile } from '../helpers/compose-env-file.js';
import {
  COMPOSE_FILE,
  DEPLOY_DIR,
  interpolate,
  readCompose,
  readDeployEnvExample,
  services,
  type ComposeMap,
} from './compose-file.js';

/** dclint's own types do not resolve under NodeNext (extensionless re-exports): its API as used. */
interface ComposeLinter {
  lintFiles(
    paths: string[],
    recursive: boolean,
  ): { messages: { rule: string; message: string }[] }[];
}
const { DCLinter } = createRequire(import.meta.url)('dclint') as {
  DCLinter: new (config: object) => ComposeLinter;
};

const root = projectRoot();
const compose = readCompose();
const example = readDeployEnvExample();
/** deploy/.env.example with what an operator must fill in filled in. */
const filled = {
  ...example,
  HUB_IMAGE: 'entra-connector-hub:0.1.0',
  MONGO_HUB_PASSWORD: 'a1'.repeat(24),
};
const deployed = interpolate(compose, filled).value as ComposeMap;
const hubs = Object.keys(services(deployed)).filter((name) => /^hub-\d+$/.test(name));

const schema = JSON.parse(
  readFileSync(
    path.join(
      path.dirname(createRequire(import.meta.url).resolve('dclint/package.json')),
      'schemas',
      'compose.schema.json',
    ),
    'utf8',
  ),
) as Record<string, unknown>;
// Draft-07, Ajv's default; its `$schema` URL is https where Ajv registers http (dclint drops it too).
delete schema['$schema'];
const validate = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);

describe('deploy/compose.yaml is a valid compose file', () => {
  it('passes dclint once interpolated: explicit image tags, bound and quoted ports, no duplicates', () => {
    // Linted as compose runs it (interpolated), so `${PROXY_BIND:-0.0.0.0}` counts as bound.
    const file = path.join(root, '.cache', 'deploy-test', 'compose.yaml');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, stringify(deployed, { aliasDuplicateObjects: false }));
    const linter = new DCLinter({
      rules: {
        'service-image-require-explicit-tag': 2,
        'no-unbound-port-interfaces': 2,
        'no-duplicate-exported-ports': 2,
        'no-duplicate-container-names': 2,
        'require-quotes-in-ports': 0,
        'no-version-field': 2,
        'no-quotes-in-volumes': 2,
        'no-build-and-image': 2,
        'require-project-name-field': 2,
        // Style: the file reads in deployment order (proxy, hubs, migrate, database).
        'service-keys-order': 0,
        'services-alphabetical-order': 0,
        'top-level-properties-order': 0,
        'service-dependencies-alphabetical-order': 0,
        'service-ports-alphabetical-order': 0,
      },
      quiet: true,
      debug: false,
      exclude: [],
    });
    const [result] = linter.lintFiles([file], false);
    expect(result!.messages.map((m) => `${m.rule}: ${m.message}`)).toEqual([]);
  });

  it('quotes every published port in the source (YAML reads 80:80 as a base-60 number)', () => {
    const source = readFileSync(COMPOSE_FILE, 'utf8');
    const ports = source.split('\n').filter((line) => /^\s+- .*:\d+:\d+/.test(line));
    expect(ports.length).toBe(3);
    for (const line of ports) expect(line.trim()).toMatch(/^- '.*'$/);
  });

  it('stays valid once interpolated with deploy/.env.example', () => {
    expect(validate(deployed) ? [] : validate.errors).toEqual([]);
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });
});

describe('deploy/.env.example', () => {
  it('reads under compose env_file rules: no comment on a value line, no interpolation in a value', () => {
    for (const [name, value] of Object.entries(example)) {
      expect([name, value.includes('#'), value.includes('${')]).toEqual([name, false, false]);
    }
  });

  it('documents exactly the variables compose.yaml reads', () => {
    const { used } = interpolate(compose, {});
    expect([...used].sort()).toEqual(Object.keys(example).sort());
  });

  it('as shipped, compose refuses to start and names exactly what must be filled in', () => {
    const { missing } = interpolate(compose, example);
    expect([...new Set(missing.map((m) => m.name))].sort()).toEqual([
      'HUB_IMAGE',
      'MONGO_HUB_PASSWORD',
    ]);
    expect(interpolate(compose, filled).missing).toEqual([]);
  });

  it('with hub.env copied from .env.example and its two secrets set, every hub loads its configuration', () => {
    const hubEnv = parseComposeEnvFile(readFileSync(path.join(root, '.env.example'), 'utf8'));
    const service = services(deployed)['hub-1']!;
    const config = loadConfig({
      ...hubEnv,
      ENCRYPTION_KEYS: `k1:${Buffer.from(Array.from({ length: 32 }, (_, i) => i * 9)).toString('base64')}`,
      AUTH_JWT_SECRET: 'Zq3xV9pL2mR7tY4wK8nB6cD1fG5hJ0sA',
      ...(service['environment'] as Record<string, string>),
    });
    expect(config.env).toBe('production');
    expect(config.mongodbAutoMigrate).toBe(false);
    expect(config.metrics.port).toBe(9464);
    expect(config.limits.trustedProxyHops).toBe(1);
    expect(config.http.publicBaseUrl).toBe('https://hub.example.com');
    expect(config.mongodbUri).toMatch(
      /^mongodb:\/\/hub:[0-9a-f]{48}@mongo:27017\/entra_hub\?replicaSet=rs0&authSource=admin$/,
    );
    expect(config.pubsub.mode).toBe('mongo');
  });
});

describe('the deployment it describes', () => {
  const all = services(deployed);

  it('publishes the proxy only; the hubs, migrate and MongoDB have no host port', () => {
    const published = Object.entries(all)
      .filter(([, s]) => s['ports'] !== undefined)
      .map(([n]) => n);
    expect(published).toEqual(['proxy']);
    expect(all['proxy']!['ports']).toEqual([
      '0.0.0.0:80:80',
      '0.0.0.0:443:443',
      '0.0.0.0:443:443/udp',
    ]);
    expect(hubs.length).toBeGreaterThanOrEqual(2);
  });

  it('limits and restarts every long-running service, with rotated logs', () => {
    for (const [name, service] of Object.entries(all)) {
      const limits = (service['deploy'] as ComposeMap | undefined)?.['resources'] as
        ComposeMap | undefined;
      expect([
        name,
        Object.keys((limits?.['limits'] as ComposeMap | undefined) ?? {}).sort(),
      ]).toEqual([name, ['cpus', 'memory']]);
      expect([name, service['restart']]).toEqual([
        name,
        name === 'migrate' ? 'no' : 'unless-stopped',
      ]);
      expect([name, (service['logging'] as ComposeMap)['driver']]).toEqual([name, 'json-file']);
    }
  });

  it('pins MongoDB 8.0 to a patch release, with authentication, a keyfile, a replica set and volumes', () => {
    const mongo = all['mongo']!;
    expect(mongo['image']).toMatch(/^mongo:8\.0\.\d+$/);
    const command = (mongo['command'] as string[]).join(' ');
    expect(command).toContain('--replSet rs0');
    expect(command).toContain('--keyFile /etc/hub-mongo-keyfile');
    const env = mongo['environment'] as Record<string, string>;
    expect(env['MONGO_INITDB_ROOT_PASSWORD_FILE']).toBe('/run/secrets/mongo_root_password');
    expect(mongo['secrets']).toEqual(['mongo_root_password', 'mongo_keyfile']);
    expect(mongo['volumes']).toEqual(
      expect.arrayContaining(['mongo-data:/data/db', 'mongo-config:/data/configdb']),
    );
    expect(mongo['networks']).toEqual(['backend']);
    expect((mongo['healthcheck'] as ComposeMap)['test']).toEqual([
      'CMD',
      'mongosh',
      '--quiet',
      '--norc',
      '--file',
      '/etc/hub-mongo/healthcheck.js',
    ]);
    expect((deployed['networks'] as ComposeMap)['backend']).toEqual({ internal: true });
  });

  it('runs migrate once MongoDB is healthy, and starts the hubs once it exited 0', () => {
    expect(all['migrate']!['depends_on']).toEqual({ mongo: { condition: 'service_healthy' } });
    expect(all['migrate']!['command']).toEqual(['node', 'dist/src/cli/main.js', 'migrate']);
    for (const hub of hubs) {
      expect(all[hub]!['depends_on']).toEqual({
        migrate: { condition: 'service_completed_successfully' },
      });
      expect(JSON.stringify((all[hub]!['healthcheck'] as ComposeMap)['test'])).toContain('/readyz');
    }
  });

  it('lists every hub replica in the proxy upstreams and the Prometheus targets', () => {
    const env = all['proxy']!['environment'] as Record<string, string>;
    expect(env['HUB_UPSTREAMS']!.split(' ').sort()).toEqual(hubs.map((h) => `${h}:4000`).sort());
    const prometheus = parse(
      readFileSync(path.join(DEPLOY_DIR, 'prometheus', 'prometheus.yml'), 'utf8'),
    ) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    expect(prometheus.scrape_configs[0]!.static_configs[0]!.targets.sort()).toEqual(
      hubs.map((h) => `${h}:9464`).sort(),
    );
  });

  it('runs the Caddy version the proxy test builds (tools/caddy)', () => {
    const goMod = readFileSync(path.join(root, 'tools', 'caddy', 'go.mod'), 'utf8');
    const version = /github\.com\/caddyserver\/caddy\/v2 v(\d+\.\d+\.\d+)/.exec(goMod)![1];
    expect(all['proxy']!['image']).toBe(`caddy:${version}-alpine`);
  });
});

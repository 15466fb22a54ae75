/**
 * The layers of src/ and the arrows allowed between them (docs/architecture.md draws them).
 * `npm run lint` runs this; a forbidden import fails CI.
 *
 *   entry points (main, runtime, cli)      build everything, import anything below
 *   server, graphql, webhooks, jobs, observability
 *   connectors, sync                       the services
 *   feed, outbound                         the change feed and the outbound webhooks
 *   integrations/entra, events, db         infrastructure
 *   domain, crypto, logging                plain TypeScript
 *
 * Arrows point down only. The emulator is sealed off: only configuration connects the hub to it.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const layer = (...names) => `^src/(${names.join('|')})(/|\\.ts$)`;

const BASE = ['domain', 'crypto', 'logging'];
const INFRA = ['integrations', 'events', 'db'];
const SERVICES = ['connectors', 'sync'];
/** The change feed the sync engine appends to, and the webhooks that deliver it. */
const OUTBOUND = ['feed', 'outbound'];
const EDGE = ['server', 'graphql', 'webhooks', 'jobs', 'observability'];

/** A rule forbidding `from` to import anything in src/ outside `allowed` (and itself). */
function only(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: layer(...from) },
    to: {
      path: '^src/',
      pathNot: [layer(...from, ...allowed), '^src/config\\.ts$'],
    },
  };
}

module.exports = {
  forbidden: [
    only('domain-is-plain', ['domain'], [], 'domain/ is plain TypeScript: no layer above it.'),
    only(
      'base-below-infrastructure',
      ['crypto', 'logging'],
      ['domain'],
      'Utilities stay below the infrastructure.',
    ),
    only(
      'infrastructure-on-base',
      INFRA,
      [...BASE, ...INFRA],
      'Infrastructure knows no service, API or job.',
    ),
    ...[
      ['integrations', ['db', 'events']],
      ['events', ['db', 'integrations']],
      ['db', ['integrations', 'events']],
    ].map(([from, to]) => ({
      name: `${from}-apart`,
      comment: 'Microsoft clients, the event bus and the database do not know each other.',
      severity: 'error',
      from: { path: layer(from) },
      to: { path: layer(...to) },
    })),
    only(
      'outbound-on-infrastructure',
      OUTBOUND,
      [...BASE, ...INFRA, ...OUTBOUND],
      'The feed and the outbound webhooks use the infrastructure; no service, API or job.',
    ),
    {
      name: 'feed-below-outbound',
      comment: 'The feed knows nothing of who delivers it.',
      severity: 'error',
      from: { path: layer('feed') },
      to: { path: layer('outbound') },
    },
    only(
      'services-on-infrastructure',
      SERVICES,
      [...BASE, ...INFRA, ...OUTBOUND],
      'Services use the infrastructure; they reach up only through ports passed in.',
    ),
    {
      name: 'services-apart',
      comment: 'The sync engine and the connector lifecycle meet only through domain ports.',
      severity: 'error',
      from: { path: layer('sync') },
      to: { path: layer('connectors') },
    },
    {
      name: 'connectors-not-sync',
      severity: 'error',
      from: { path: layer('connectors') },
      to: { path: layer('sync') },
    },
    only(
      'edge-on-services',
      EDGE,
      [...BASE, ...INFRA, ...OUTBOUND, ...SERVICES, ...EDGE],
      'The edge uses services and below; never the composition root.',
    ),
    {
      name: 'graphql-never-db',
      comment: 'Resolvers get plain views from the services, never documents or models.',
      severity: 'error',
      from: { path: layer('graphql') },
      to: { path: layer('db') },
    },
    {
      name: 'emulator-sealed',
      comment:
        'Nothing in the hub imports the emulator, and the emulator imports nothing of the hub.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/emulator/' },
      to: { path: '^src/emulator/' },
    },
    {
      name: 'emulator-self-contained',
      severity: 'error',
      from: { path: '^src/emulator/' },
      to: { path: '^src/', pathNot: '^src/emulator/' },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};

/**
 * Documents that used to stall the hub are refused in time linear in their size, on HTTP and
 * graphql-ws alike, with QUERY_TOO_COMPLEX and nothing executed. `/healthz` is probed while each
 * document is in flight; the latencies are recorded in .cache/security-figures.json (never
 * asserted: speed is for bench/security.bench.ts to print).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { projectRoot } from '../../src/config.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import { fragmentBomb, aliasFlood, directiveFlood } from './attack-documents.js';

let h: TestHub;
let jwt: string;
const figures: Record<string, { refusedMs: number; healthzMs: number[] }> = {};

beforeAll(async () => {
  h = await startTestHub();
  jwt = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-cost' });
});
afterAll(async () => {
  mkdirSync(path.join(projectRoot(), '.cache'), { recursive: true });
  writeFileSync(
    path.join(projectRoot(), '.cache', 'security-figures.json'),
    `${JSON.stringify(figures, null, 2)}\n`,
  );
  await h.stop();
});

/** Sends the document and probes /healthz every few ms until the answer is in. */
async function sendWhileProbing(name: string, auth: string | null, query: string) {
  const started = performance.now();
  const answer = h.gql(auth, query);
  let done = false;
  void answer.finally(() => (done = true));
  const healthzMs: number[] = [];
  do {
    const t0 = performance.now();
    const health = await fetch(`${h.server.url}/healthz`);
    expect(health.status).toBe(200);
    healthzMs.push(performance.now() - t0);
  } while (!done);
  const result = await answer;
  figures[name] = { refusedMs: performance.now() - started, healthzMs };
  return result;
}

const CASES: [string, string][] = [
  ['fragment bomb, 26 levels', fragmentBomb(26)],
  ['fragment bomb, 30 levels', fragmentBomb(30)],
  ['fragment bomb, 40 levels', fragmentBomb(40)],
  ['alias flood (200 aliases)', aliasFlood(200)],
  ['directive flood (300 directives)', directiveFlood(300)],
];

describe('hostile documents over HTTP', () => {
  it.each(CASES)('%s: refused with QUERY_TOO_COMPLEX, nothing executed', async (name, query) => {
    for (const [label, auth] of [
      ['authenticated', jwt],
      ['with a garbage credential', 'Bearer garbage'],
    ] as const) {
      const result = await sendWhileProbing(`${name}, ${label}`, auth, query);
      expect(result.status).toBe(400);
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.map((e) => e.extensions?.['code'])).toContain('QUERY_TOO_COMPLEX');
    }
  });

  it('an ordinary query under the limits still runs', async () => {
    const result = await h.gql(jwt, '{ companies { id name } }');
    expect(result.errors).toBeUndefined();
  });

  it('logs one line per refusal, without the document', async () => {
    const before = h.logLines.length;
    await h.gql(jwt, fragmentBomb(30));
    const lines = h.logLines.slice(before).filter((l) => l.includes('request refused'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('QUERY_TOO_COMPLEX');
    expect(lines[0]).not.toContain('fragment F');
  });
});

describe('the same documents over graphql-ws', () => {
  it.each(CASES)('%s: refused with QUERY_TOO_COMPLEX', async (_name, query) => {
    const client = h.ws(jwt);
    const errors: unknown[] = [];
    const dispose = client.subscribe(
      { query },
      { next: () => undefined, error: (e) => void errors.push(e), complete: () => undefined },
    );
    await waitFor(() => errors.length > 0, 10_000, 'the refusal');
    dispose();
    expect(JSON.stringify(errors)).toContain('QUERY_TOO_COMPLEX');
  });
});

/**
 * The operator CLI (the built dist/src/cli/main.js, as `npm run hub` runs it) against a real hub
 * with the real sync engine and the Entra emulator: every list pages through to the end (pages
 * of one or a few rows here) or says how many rows it left out, `runs` and `changes` validate
 * against the schema and show what the runs did, and `--help` succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SyncTrigger } from '../../src/domain/connector.js';
import { runCli } from '../ops/dev-stack.helpers.js';
import { startSyncHarness, type SyncHarness } from '../sync/sync-harness.js';
import { createCompany, installConnector } from '../helpers/connector-api.js';

describe('operator CLI against a running hub', () => {
  let h: SyncHarness;
  let connection: string[];
  const runIds: string[] = [];
  const others: string[] = [];

  beforeAll(async () => {
    h = await startSyncHarness({ seed: { users: 30, groups: 2, syncGroupMembers: 23 } });
    const partner = await h.t.jwt({ role: 'PARTNER_ADMIN', partnerId: h.partnerId });
    connection = ['--url', `http://127.0.0.1:${h.t.config.http.port}/graphql`, '--token', partner];
    for (const name of ['Second', 'Third']) {
      const companyId = await createCompany(h.t, partner, name);
      others.push((await installConnector(h.t, partner, companyId)).connector.id);
    }
    runIds.push((await h.sync(SyncTrigger.INITIAL))._id.toHexString());
    runIds.push((await h.sync(SyncTrigger.MANUAL))._id.toHexString());
    runIds.push((await h.sync(SyncTrigger.MANUAL))._id.toHexString());
  }, 120_000);
  afterAll(() => h?.stop());

  it('--help and `help` print the usage and succeed; no command is a usage error', async () => {
    for (const args of [['--help'], ['-h'], ['help'], ['runs', '--help']]) {
      const result = await runCli(args);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain('usage: npm run hub -- <command>');
    }
    const none = await runCli([]);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('usage:');
  });

  it('connectors: every page, one connector per request; --limit says what it left out', async () => {
    const all = await runCli(['connectors', '--page-size', '1', ...connection]);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    for (const id of [h.connectorId, ...others]) expect(all.stdout).toContain(id);
    expect(all.stdout).toContain('3 connector(s)');
    // Never saved reads NOT_SAVED, as in the API and the metrics.
    expect(all.stdout.match(/NOT_SAVED/g)).toHaveLength(2);
    const some = await runCli(['connectors', '--page-size', '1', '--limit', '2', ...connection]);
    expect(some.stdout).toContain('2 of 3 connector(s) shown');
    expect(some.stdout).not.toContain(others[1]);
    const saved = await runCli(['connectors', '--status', 'connected', ...connection]);
    expect(saved.stdout).toContain(h.connectorId);
    expect(saved.stdout).toContain('1 connector(s)');
  });

  it('runs: newest first through every page; --limit leaves out the oldest and says so', async () => {
    const all = await runCli(['runs', h.connectorId, '--all', '--page-size', '1', ...connection]);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    const shown = runIds.map((id) => all.stdout.indexOf(id));
    expect(shown.every((at) => at > 0)).toBe(true);
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    expect(all.stdout).toMatch(/INITIAL\s+FULL\s+SUCCEEDED/);
    expect(all.stdout).toContain('3 run(s)');
    const two = await runCli(['runs', h.connectorId, '--limit', '2', ...connection]);
    expect(two.stdout).toContain('2 of 3 run(s) shown');
    expect(two.stdout).not.toContain(runIds[0]);
  });

  it('changes: the whole change log across pages, with the run status', async () => {
    const changes = await h.changes(runIds[0]!);
    expect(changes.length).toBeGreaterThan(20);
    const all = await runCli(['changes', runIds[0]!, '--all', '--page-size', '7', ...connection]);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout).toContain(`${changes.length} change(s); run ${runIds[0]} is SUCCEEDED`);
    for (const change of changes) expect(all.stdout).toContain(change.label);
    const ten = await runCli(['changes', runIds[0]!, '--limit', '10', ...connection]);
    expect(ten.stdout).toContain(`10 of ${changes.length} change(s) shown`);
  });
});

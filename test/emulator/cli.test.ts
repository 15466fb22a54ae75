import { describe, expect, it } from '@jest/globals';
import { spawn, execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

/** `npm run emulator`: the built CLI (npm test builds first), and NODE_EXTRA_CA_CERTS trust. */
describe('emulator CLI', () => {
  it('starts a seeded tenant, prints what the hub needs, serves it, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['dist/src/emulator/main.js', '--port', '0', '--users', '40', '--groups', '3', '--quiet'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => output.includes('Ctrl+C'), 15_000, 'the CLI banner');
      const field = (name: string) => new RegExp(`${name}\\s+(\\S+)`).exec(output)?.[1] ?? '';
      const tenantId = field('tenant id');
      const clientId = field('client id');
      const secret = field('client secret');
      const authority = field('authority host');
      const caFile = field('CA certificate');
      expect(tenantId).toMatch(/^[0-9a-f-]{36}$/);
      expect(field('sync group id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(field('Graph base URL')).toBe(authority);
      expect(field('control API')).toBe(`${authority}/_emulator`);
      // A separate process trusts the emulator through NODE_EXTRA_CA_CERTS alone.
      const script = `
        const body = new URLSearchParams({ client_id: process.env.CID, client_secret: process.env.SECRET,
          grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' });
        const token = await (await fetch(process.env.AUTH + '/' + process.env.TID + '/oauth2/v2.0/token', { method: 'POST', body })).json();
        const users = await (await fetch(process.env.AUTH + '/v1.0/users?$top=999', { headers: { authorization: 'Bearer ' + token.access_token } })).json();
        process.stdout.write(String(users.value.length));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: caFile,
          CID: clientId,
          SECRET: secret,
          AUTH: authority,
          TID: tenantId,
        },
      });
      expect(stdout).toBe('40');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('SIGTERM: stopping the emulator');
      await rm(caFile, { force: true });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

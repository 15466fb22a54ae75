import { describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger, SECRET_KEYS } from '../../src/logging/logger.js';
import { requestLog } from '../../src/server/request-log.js';

function memoryLogger(level = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  return {
    logger,
    text: () => lines.join(''),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const JWT =
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJQQVJUTkVSX0FETUlOIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const ENTRA_SECRET = 'gG68Q~Jmx_a7zKuoAqDcEdx35lzTFXF1Q1kfVALCa14';

describe('structured logs: secrets never reach a line', () => {
  it('hides secret keys at any depth and secret-shaped text in any string', () => {
    const log = memoryLogger();
    log.logger.info(
      {
        connectorId: 'c-1',
        clientSecret: 'top-level-secret-value',
        input: { credentials: { nested: { client_secret: 'deep-secret-value', tenantId: 't-1' } } },
        req: { headers: { authorization: `Bearer ${JWT}`, 'x-request-id': 'r-1' } },
        graph: { subscription: { clientState: 'client-state-value-123' } },
        uri: 'mongodb://hub:db-password-123@db.example:27017/hub',
        note: `the portal sent ${ENTRA_SECRET} by mistake`,
        list: [{ accessToken: 'access-token-value' }],
      },
      `calling Graph with Bearer ${JWT}`,
    );
    log.logger.error(
      { err: new Error(`AADSTS7000215: invalid secret ${ENTRA_SECRET} for token ${JWT}`) },
      'verification failed',
    );
    const text = log.text();
    for (const secret of [
      'top-level-secret-value',
      'deep-secret-value',
      JWT,
      'client-state-value-123',
      'db-password-123',
      ENTRA_SECRET,
      'access-token-value',
    ]) {
      expect(text).not.toContain(secret);
    }
    const [first, second] = log.records();
    // What is not secret stays readable.
    expect(first).toMatchObject({
      connectorId: 'c-1',
      clientSecret: '[redacted]',
      input: { credentials: { nested: { client_secret: '[redacted]', tenantId: 't-1' } } },
      req: { headers: { 'x-request-id': 'r-1' } },
      uri: 'mongodb://hub:****@db.example:27017/hub',
      msg: 'calling Graph with Bearer [redacted-jwt]',
    });
    expect(second).toMatchObject({ msg: 'verification failed', err: { type: 'Error' } });
    expect(String((second!['err'] as { message: string }).message)).toContain('AADSTS7000215');
  });

  it('every key of SECRET_KEYS is hidden at any depth, in log objects and child bindings', () => {
    const log = memoryLogger();
    for (const key of SECRET_KEYS) {
      const value = `value-of-${key}-0123456789`;
      log.logger.info({ [key]: value, a: { [key]: value, b: { c: { [key]: value } } } }, 'line');
      log.logger.child({ [key]: value }).info('child line');
    }
    expect(log.records()).toHaveLength(SECRET_KEYS.length * 2);
    expect(log.text()).not.toMatch(/value-of-/);
  });

  it('leaves ordinary lines alone', () => {
    const log = memoryLogger();
    log.logger.info(
      { connectorId: 'c-1', runId: 'r-9', status: 'SUCCEEDED', users: 42 },
      'sync run ended',
    );
    expect(log.records()[0]).toMatchObject({
      service: 'entra-connector-hub',
      connectorId: 'c-1',
      runId: 'r-9',
      status: 'SUCCEEDED',
      users: 42,
      msg: 'sync run ended',
    });
  });
});

describe('request ids and access lines', () => {
  async function serve(
    handler: ReturnType<typeof requestLog>,
  ): Promise<{ url: string; server: Server }> {
    const server = createServer((req, res) => {
      void handler(req, res).then(() => {
        res.writeHead(req.url?.startsWith('/boom') ? 500 : 200, { 'content-type': 'text/plain' });
        res.end(String(req.headers['x-request-id']));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  }

  it('keeps a sane X-Request-Id, replaces a bad one, and logs one line per request without the query', async () => {
    const log = memoryLogger();
    const { url, server } = await serve(requestLog(log.logger));
    try {
      const kept = await fetch(`${url}/graphql`, { headers: { 'x-request-id': 'abc-123' } });
      expect(kept.headers.get('x-request-id')).toBe('abc-123');
      expect(await kept.text()).toBe('abc-123'); // the next handlers see the same id
      const replaced = await fetch(`${url}/azure/callback?state=s3cr3t-state`, {
        headers: { 'x-request-id': 'bad id with spaces <script>' },
      });
      const id = replaced.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await replaced.text();
      await (await fetch(`${url}/boom`)).text();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const lines = log.records();
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatchObject({
        requestId: 'abc-123',
        method: 'GET',
        path: '/graphql',
        status: 200,
      });
      expect(lines[1]).toMatchObject({ requestId: id, path: '/azure/callback' });
      expect(lines[2]).toMatchObject({ status: 500, level: 40 });
      expect(log.text()).not.toContain('s3cr3t-state');
    } finally {
      server.close();
    }
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { projectRoot } from '../../src/config.js';
import type { StackInfo } from '../../scripts/dev/stack.js';
import { waitFor } from '../helpers/wait.js';

export const ROOT = projectRoot();

export interface SpawnedDevStack {
  child: ChildProcess;
  output: string[];
  info: StackInfo;
  stackFile: string;
  exited: Promise<number | null>;
}

/** `npm run dev`'s entry point (the built script), on free ports, with a temporary .dev folder. */
export async function spawnDevStack(options: {
  dir: string;
  env: NodeJS.ProcessEnv;
  users?: number;
}): Promise<SpawnedDevStack> {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'dist', 'scripts', 'dev.js'),
      '--dir',
      options.dir,
      '--port',
      '0',
      '--emulator-port',
      '0',
      '--receiver-port',
      '0',
      '--users',
      String(options.users ?? 120),
    ],
    { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const stackFile = path.join(options.dir, 'stack.json');
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`dev stack exited:\n${output.join('')}`);
      return output.join('').includes('dev stack ready') && existsSync(stackFile);
    },
    120_000,
    'the dev stack',
    100,
  );
  const info = JSON.parse(readFileSync(stackFile, 'utf8')) as StackInfo;
  return { child, output, info, stackFile, exited };
}

/** GraphQL on the stack's endpoint (test/helpers/graphql.ts): status, data, errors, raw text. */
export { gqlAnswer as gql } from '../helpers/graphql.js';

/**
 * GET without following redirects, trusting the emulator's CA; returns status, Location and the
 * body's text.
 */
export async function getNoRedirect(
  url: string,
  caFile: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; location: string | null; body: string }> {
  const agent = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
  try {
    const response = await undiciFetch(url, { redirect: 'manual', dispatcher: agent, headers });
    const body = await response.text();
    return { status: response.status, location: response.headers.get('location'), body };
  } finally {
    await agent.close();
  }
}

/** A request to the emulator (HTTPS, private CA). */
export async function fetchWithCa(
  url: string,
  caFile: string,
  init: { method?: string; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const agent = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
  try {
    const response = await undiciFetch(url, { ...init, dispatcher: agent });
    return { status: response.status, body: await response.text() };
  } finally {
    await agent.close();
  }
}

export async function status(url: string): Promise<number> {
  return fetch(url).then(
    (r) => r.status,
    () => 0,
  );
}

/** Sum of a Prometheus counter/gauge over all label sets (0 when absent). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).some(([k, v]) => !line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'dist', 'src', 'cli', 'main.js'), ...args],
      {
        env: { PATH: process.env['PATH'], ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

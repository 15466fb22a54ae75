import { describe, expect, it } from '@jest/globals';
import { fieldChanges } from '../../src/cli/commands.js';
import { resolveSettings } from '../../src/cli/cli-settings.js';
import { progressBar, table } from '../../src/cli/render.js';

describe('CLI rendering and settings', () => {
  it('tables align columns, show missing cells as "-" and cut long ones', () => {
    const text = table(
      ['ID', 'STATUS'],
      [
        ['c1', 'CONNECTED'],
        ['connector-2', null],
        ['x', 'y'.repeat(80)],
      ],
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('ID           STATUS');
    expect(lines[1]).toMatch(/^-{11} {2}-{60}$/);
    expect(lines[3]).toBe('connector-2  -');
    expect(lines[4]!.endsWith('…')).toBe(true);
    expect(lines[4]!.length).toBe(13 + 60);
  });

  it('progress bar: a known total fills in proportion; an unknown one shows activity', () => {
    expect(progressBar(1, 4, 'users', 8)).toBe('[##------]  25%  users');
    expect(progressBar(4, 4, 'done', 8)).toBe('[########] 100%  done');
    expect(progressBar(3, null, 'RUNNING', 8)).toBe('[---#----]   RUNNING');
  });

  it('field changes read before -> after', () => {
    expect(
      fieldChanges(
        { displayName: 'Ada A', accountEnabled: true },
        { displayName: 'Ada B', accountEnabled: true },
      ),
    ).toBe('displayName: "Ada A" -> "Ada B"; accountEnabled: true -> true');
    expect(fieldChanges(null, { mail: 'a@b.c' })).toBe('mail: ∅ -> "a@b.c"');
  });

  it('settings: flags over the environment over .dev/stack.json; a bare token becomes a Bearer header', () => {
    const none = resolveSettings({}, {}, '/nonexistent');
    expect(none).toEqual({
      url: null,
      authorization: null,
      jwt: { secret: null, issuer: 'entra-connector-hub', audience: 'entra-connector-hub' },
    });
    const env = resolveSettings(
      {},
      { HUB_URL: 'http://h/graphql', HUB_TOKEN: 'abc' },
      '/nonexistent',
    );
    expect(env.url).toBe('http://h/graphql');
    expect(env.authorization).toBe('Bearer abc');
    const flags = resolveSettings(
      { url: 'http://f/graphql', token: 'Connector tok' },
      { HUB_URL: 'http://h' },
      '/x',
    );
    expect(flags.url).toBe('http://f/graphql');
    expect(flags.authorization).toBe('Connector tok');
  });
});

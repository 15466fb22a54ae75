import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { jobCursorModel, type JobCursorModel } from '../../src/db/models/job-cursor.model.js';
import {
  SpreadDispatcher,
  type SpreadDispatcherOptions,
} from '../../src/jobs/spread-dispatcher.js';
import { openTestConnection } from '../helpers/database.js';
import { captureLogger } from '../helpers/logger.js';

const ids = Array.from({ length: 400 }, (_, i) => `c-${i}`);
const INTERVAL = 60_000;

describe('SpreadDispatcher', () => {
  let connection: Connection;
  let close: () => Promise<void>;
  let cursors: JobCursorModel;
  beforeAll(async () => {
    ({ connection, close } = await openTestConnection());
    cursors = jobCursorModel(connection);
  });
  afterAll(async () => close?.());

  const make = (key: string, clock: { t: number }, over: Partial<SpreadDispatcherOptions> = {}) => {
    const dispatched: string[] = [];
    const dispatcher = new SpreadDispatcher({
      key,
      salt: 'poll',
      intervalMs: INTERVAL,
      firstWindowMs: 5_000,
      maxCatchUpMs: 15_000,
      concurrency: 8,
      cursors,
      listIds: () => Promise.resolve(ids),
      dispatch: (id) => {
        dispatched.push(id);
        return Promise.resolve();
      },
      logger: captureLogger().logger,
      now: () => clock.t,
      ...over,
    });
    return { dispatcher, dispatched };
  };

  it('covers each connector once per interval in ticks of a twelfth of it', async () => {
    const clock = { t: 1_700_000_000_000 };
    const { dispatcher, dispatched } = make('once-per-interval', clock);
    const perTick: number[] = [];
    for (let tick = 0; tick < 12; tick++) {
      const before = dispatched.length;
      const result = await dispatcher.tick();
      expect(result.claimed).toBe(true);
      perTick.push(dispatched.length - before);
      clock.t += 5_000;
    }
    // The first tick covers the 5 s before the first run; 12 ticks = one whole interval.
    expect(dispatched.length).toBe(ids.length);
    expect(new Set(dispatched).size).toBe(ids.length);
    expect(Math.max(...perTick)).toBeLessThan((ids.length / 12) * 1.8);
  });

  it('lets only one of two instances dispatch the same window', async () => {
    const clock = { t: 1_700_000_000_000 };
    const a = make('two-instances', clock);
    const b = make('two-instances', clock);
    await a.dispatcher.tick(); // creates the cursor
    a.dispatched.length = 0;
    clock.t += 5_000;
    const [ra, rb] = await Promise.all([a.dispatcher.tick(), b.dispatcher.tick()]);
    expect([ra.claimed, rb.claimed].filter(Boolean)).toHaveLength(1);
    const winner = ra.claimed ? ra : rb;
    expect(winner.due).toBeGreaterThan(0);
    expect(a.dispatched.length + b.dispatched.length).toBe(winner.due);
  });

  it('never dispatches a connector whose previous dispatch is still running', async () => {
    const clock = { t: 1_700_000_000_000 };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = ids[0]!;
    const { dispatcher } = make('no-overlap', clock, {
      firstWindowMs: INTERVAL,
      maxCatchUpMs: INTERVAL,
      dispatch: (id) => (id === slow ? gate : Promise.resolve()),
    });
    const first = dispatcher.tick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    clock.t += INTERVAL; // the next interval is due while the first dispatch still hangs
    const second = await dispatcher.tick();
    expect(second.skippedBusy).toBe(1);
    expect(second.dispatched).toBe(ids.length - 1);
    release();
    expect((await first).dispatched).toBe(ids.length);
  });

  it('skips connectors the sync side reports as running', async () => {
    const clock = { t: 1_700_000_000_000 };
    const { dispatcher, dispatched } = make('busy', clock, {
      firstWindowMs: INTERVAL,
      maxCatchUpMs: INTERVAL,
      busyIds: () => Promise.resolve(new Set([ids[1]!, ids[2]!])),
    });
    const result = await dispatcher.tick();
    expect(result.skippedBusy).toBe(2);
    expect(dispatched).not.toContain(ids[1]);
  });

  it('does not fire every connector at once after downtime', async () => {
    const clock = { t: 1_700_000_000_000 };
    const { dispatcher } = make('downtime', clock);
    await dispatcher.tick();
    clock.t += 10 * INTERVAL;
    const result = await dispatcher.tick();
    expect(result.to.getTime() - result.from.getTime()).toBe(15_000);
    expect(result.due).toBeLessThan(ids.length / 2);
  });
});

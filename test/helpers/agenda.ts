import type { Agenda } from 'agenda';
import type { Db } from 'mongodb';
import { createScheduler } from '../../src/jobs/scheduler.js';

/** An Agenda on the test database that looks for due jobs often, so tests stay short. */
export function testScheduler(db: Db, instanceName: string, processEveryMs = 100): Agenda {
  return createScheduler({ db, instanceName, processEveryMs, defaultLockLifetimeMs: 30_000 });
}

import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { LeaseModel } from '../db/models/lease.model.js';
import type { EventBus } from '../events/event-bus.js';
import { RealtimeTopic, type RealtimeTopics } from '../events/topics.js';
import { JobName } from './job-names.js';

/** Implemented by the connector side, which stores the client secret's expiry date. */
export interface SecretExpirySource {
  listClientSecretsExpiringBefore(
    cutoff: Date,
  ): Promise<{ connectorId: string; expiresAt: Date }[]>;
}

export interface SecretExpiryWarningsDeps {
  source: SecretExpirySource;
  events: Pick<EventBus<RealtimeTopics>, 'publish'>;
  leases: LeaseModel;
  logger: Logger;
  warnWithinDays?: number;
  now?: () => Date;
  /** Overrides each job's lock lifetime (tests); Agenda checks liveness every half of it. */
  lockLifetimeMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * Once a day per connector whose client secret expires within 30 days: a status event for the
 * portal and a warning in the log. "Once a day" holds across instances and restarts through a
 * claim per connector and UTC day (a lease that is never released, only expires).
 */
export function defineSecretExpiryWarningsJob(
  agenda: Agenda,
  deps: SecretExpiryWarningsDeps,
): void {
  const log = deps.logger.child({ job: JobName.SECRET_EXPIRY_WARNINGS });
  const now = deps.now ?? (() => new Date());
  agenda.define(
    JobName.SECRET_EXPIRY_WARNINGS,
    async () => {
      const at = now();
      const day = at.toISOString().slice(0, 10);
      await deps.leases.deleteMany({ _id: /^secret-expiry:/, until: { $lt: at } });
      const cutoff = new Date(at.getTime() + (deps.warnWithinDays ?? 30) * DAY_MS);
      for (const { connectorId, expiresAt } of await deps.source.listClientSecretsExpiringBefore(
        cutoff,
      )) {
        if (!(await claimOnce(deps.leases, `secret-expiry:${connectorId}:${day}`, at))) continue;
        const daysLeft = Math.max(Math.floor((expiresAt.getTime() - at.getTime()) / DAY_MS), 0);
        log.warn({ connectorId, expiresAt, daysLeft }, 'connector client secret expires soon');
        await deps.events.publish(RealtimeTopic.CONNECTOR_SECRET_EXPIRING, {
          connectorId,
          expiresAt,
          daysLeft,
        });
      }
    },
    { concurrency: 1, lockLimit: 1, lockLifetime: deps.lockLifetimeMs ?? 30 * 60_000 },
  );
}

async function claimOnce(leases: LeaseModel, key: string, at: Date): Promise<boolean> {
  try {
    await leases.create({
      _id: key,
      owner: 'secret-expiry',
      until: new Date(at.getTime() + 2 * DAY_MS),
    });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 11000) return false;
    throw error;
  }
}

import type { NotificationScheduler } from '../../src/webhooks/notification-intake.service.js';

/** Records the receiver's hand-offs instead of queueing Agenda jobs. */
export class RecordingScheduler implements NotificationScheduler {
  changed: string[] = [];
  attention: string[] = [];

  connectorChanged(connectorId: string): Promise<void> {
    this.changed.push(connectorId);
    return Promise.resolve();
  }

  subscriptionsNeedAttention(connectorId: string): Promise<void> {
    this.attention.push(connectorId);
    return Promise.resolve();
  }
}

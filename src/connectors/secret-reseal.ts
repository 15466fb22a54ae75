import type { SealedSecret, SecretBox } from '../crypto/secret-box.js';
import type { ConnectorDoc, ConnectorModel } from '../db/models/connector.model.js';
import { SEALED_CONNECTOR_FIELDS } from './connector-credentials.js';

export interface ResealCounts {
  /** Connectors read. */
  connectors: number;
  /** Sealed values written again under the active key. */
  resealed: number;
  /** Sealed values already under the active key. */
  current: number;
  /** Sealed values that could not be opened (their key is no longer configured). */
  failed: number;
  /** Sealed values changed by someone else meanwhile (they are sealed with the active key). */
  skipped: number;
}

/**
 * Re-seals every sealed field of every connector (installed or not, active or not) under the
 * active key, so older keys can be removed from ENCRYPTION_KEYS. Idempotent and resumable: values
 * already under the active key are left alone, each write is conditional on the ciphertext it
 * read (a concurrent credentials change wins), and the walk goes by `_id`, so an interrupted run
 * is simply run again.
 */
export async function resealConnectorSecrets(
  Connector: ConnectorModel,
  box: SecretBox,
  onProgress: (counts: ResealCounts) => void = () => undefined,
): Promise<ResealCounts> {
  const counts: ResealCounts = { connectors: 0, resealed: 0, current: 0, failed: 0, skipped: 0 };
  const projection = Object.fromEntries(SEALED_CONNECTOR_FIELDS.map(({ field }) => [field, 1]));
  const cursor = Connector.find({}, projection).sort({ _id: 1 }).lean<ConnectorDoc[]>().cursor();
  for await (const doc of cursor as AsyncIterable<ConnectorDoc>) {
    counts.connectors += 1;
    const id = doc._id.toHexString();
    for (const { field, purpose } of SEALED_CONNECTOR_FIELDS) {
      const sealed = doc[field] as SealedSecret | null | undefined;
      if (!sealed) continue;
      if (!box.needsReseal(sealed)) {
        counts.current += 1;
        continue;
      }
      let plaintext: string;
      try {
        plaintext = box.open(sealed, purpose(id));
      } catch {
        counts.failed += 1;
        continue;
      }
      const result = await Connector.updateOne(
        { _id: doc._id, [`${field}.ciphertext`]: sealed.ciphertext },
        { $set: { [field]: box.seal(plaintext, purpose(id)) } },
      );
      if (result.modifiedCount === 1) counts.resealed += 1;
      else counts.skipped += 1;
    }
    if (counts.connectors % 100 === 0) onProgress({ ...counts });
  }
  onProgress({ ...counts });
  return counts;
}

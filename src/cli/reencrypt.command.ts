import { loadConfig } from '../config.js';
import { resealConnectorSecrets, type ResealCounts } from '../connectors/secret-reseal.js';
import { SecretBox } from '../crypto/secret-box.js';
import { connectDatabase } from '../db/connection.js';
import { connectorModel } from '../db/models/connector.model.js';
import type { Output } from './output.js';

/**
 * `npm run hub -- reencrypt`: an operator command that talks to the database directly (not the
 * API), with the hub's own configuration (MONGODB_URI, ENCRYPTION_KEYS: run it where the hub
 * runs). Re-seals every connector secret under the first key of ENCRYPTION_KEYS and prints the
 * counts; exit code 1 when some value could not be opened (a key it needs was removed).
 */
export async function reencryptCommand(out: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(env);
  const box = new SecretBox(config.encryption.keys);
  const connection = await connectDatabase({ uri: config.mongodbUri });
  try {
    const counts = await resealConnectorSecrets(connectorModel(connection), box, (progress) =>
      out.status(describe(progress)),
    );
    out.line(`re-encrypted under key "${box.activeKeyId}": ${describe(counts)}`);
    if (counts.failed > 0) {
      out.line(
        `${counts.failed} secret(s) could not be decrypted: put the key they were sealed with back in ENCRYPTION_KEYS and run this again`,
      );
      return 1;
    }
    return 0;
  } finally {
    await connection.close();
  }
}

function describe(c: ResealCounts): string {
  return `${c.connectors} connectors, ${c.resealed} re-encrypted, ${c.current} already current, ${c.skipped} changed meanwhile, ${c.failed} failed`;
}

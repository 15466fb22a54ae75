import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent } from 'undici';

export interface EntraTlsOptions {
  /** Extra PEM CA bundle (a TLS-inspecting proxy's, or a test double's) trusted besides the system CAs. */
  caFile?: string;
}

/**
 * The undici dispatcher every Entra and Graph call goes through. Giving undici a `ca` replaces
 * Node's bundled roots, so the system roots are passed along with the extra bundle: Microsoft's
 * real hosts stay trusted when ENTRA_CA_FILE is set for a proxy.
 */
export function createEntraAgent(options: EntraTlsOptions = {}): Agent {
  if (!options.caFile) return new Agent({ keepAliveTimeout: 10_000 });
  const extra = readFileSync(options.caFile, 'utf8');
  // One secure context for every connection: given `ca`, each new TLS connection would parse
  // the ~150 system roots again (measured: a third of the CPU of a poll of 2,000 connectors).
  const secureContext = createSecureContext({ ca: [...rootCertificates, extra] });
  return new Agent({
    connect: { secureContext },
    keepAliveTimeout: 10_000,
  });
}

import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface EmulatorCertificate {
  /** Leaf certificate (PEM) the server presents, for `localhost`, `127.0.0.1` and `::1`. */
  cert: string;
  key: string;
  /** The CA that signed `cert`; clients trust this and nothing else. */
  ca: string;
}

/**
 * A private CA plus a leaf signed by it. Clients trust the CA through configuration only
 * (undici `connect.ca`, MSAL `system.networkClient`, or NODE_EXTRA_CA_CERTS), exactly as they
 * would trust a corporate CA in front of Microsoft. EC P-256 keys: generated in milliseconds.
 */
export async function generateCertificate(hostnames: string[] = []): Promise<EmulatorCertificate> {
  const now = Date.now();
  const notBeforeDate = new Date(now - 60_000);
  const notAfterDate = new Date(now + 365 * 24 * 3600_000);
  const ca = await generate([{ name: 'commonName', value: 'Entra Emulator Local CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      {
        name: 'keyUsage',
        keyCertSign: true,
        cRLSign: true,
        digitalSignature: true,
        critical: true,
      },
    ],
  });
  const dnsNames = ['localhost', ...hostnames.filter((name) => name !== 'localhost')];
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...dnsNames.map((value) => ({ type: 2 as const, value })),
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: leaf.cert, key: leaf.private, ca: ca.cert };
}

/** Fails early, with a clear message, when a given certificate is not signed by its CA. */
export function assertSignedBy(certificate: EmulatorCertificate): void {
  const leaf = new X509Certificate(certificate.cert);
  const ca = new X509Certificate(certificate.ca);
  if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) {
    throw new Error('the emulator certificate is not signed by the given CA');
  }
}

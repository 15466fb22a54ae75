/**
 * Looks for secrets in text the hub produced (GraphQL responses, log lines, database documents):
 * in clear, and in the encodings a careless serializer would use (base64 and base64url, also
 * inside a longer base64 blob, hex, percent-encoding). Also finds any JWT, since an access token
 * or a portal session in a log or a document is a leak whoever issued it.
 *
 *   const findings = scanForSecrets({ clientSecret, connectorToken }, sources);
 *   expect(findings).toEqual([]);
 */
export interface TextSource {
  /** Where the text came from, e.g. `log line 12`, `graphql installConnector`, `db connectors`. */
  where: string;
  text: string;
}

export interface SecretFinding {
  secret: string;
  form: string;
  where: string;
  /** The surroundings with the secret itself masked, so a failing test does not print it. */
  excerpt: string;
}

const MIN_FRAGMENT = 8;

/** Every form of one secret worth searching for. */
export function secretForms(value: string): { form: string; text: string }[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [
    { form: 'clear', text: value },
    { form: 'hex', text: bytes.toString('hex') },
    { form: 'percent-encoded', text: encodeURIComponent(value) },
  ];
  // base64 depends on where the secret starts inside a larger buffer: try the three alignments
  // and keep only the characters no neighbouring byte can change.
  for (let shift = 0; shift < 3; shift++) {
    const shifted = Buffer.concat([Buffer.alloc(shift), bytes]);
    for (const encoding of ['base64', 'base64url'] as const) {
      const full = shifted.toString(encoding).replace(/=+$/, '');
      const start = shift === 0 ? 0 : 4;
      const stable = full.slice(start, full.length - 4);
      if (stable.length >= MIN_FRAGMENT) {
        forms.push({ form: `${encoding}${shift ? ` (offset ${shift})` : ''}`, text: stable });
      }
    }
  }
  const unique = new Map<string, { form: string; text: string }>();
  for (const f of forms) if (!unique.has(f.text)) unique.set(f.text, f);
  return [...unique.values()];
}

export function scanForSecrets(
  secrets: Record<string, string | readonly string[]>,
  sources: readonly TextSource[],
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const [name, values] of Object.entries(secrets)) {
    for (const value of typeof values === 'string' ? [values] : values) {
      if (value.length < MIN_FRAGMENT) throw new Error(`secret ${name} is too short to scan for`);
      for (const { form, text } of secretForms(value)) {
        for (const source of sources) {
          const at = source.text.indexOf(text);
          if (at === -1) continue;
          const excerpt =
            source.text.slice(Math.max(0, at - 60), at) +
            '<SECRET>' +
            source.text.slice(at + text.length, at + text.length + 60);
          findings.push({ secret: name, form, where: source.where, excerpt });
        }
      }
    }
  }
  return findings;
}

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

/** Every JWT-shaped string (header and payload that decode to JSON objects). */
export function findJwts(sources: readonly TextSource[]): { where: string; claims: string }[] {
  const found: { where: string; claims: string }[] = [];
  for (const source of sources) {
    for (const match of source.text.matchAll(JWT)) {
      const [, payload] = match[0].split('.');
      try {
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<
          string,
          unknown
        >;
        found.push({
          where: source.where,
          claims: JSON.stringify({ iss: claims['iss'], aud: claims['aud'], sub: claims['sub'] }),
        });
      } catch {
        // looks like one but is not JSON: not a token
      }
    }
  }
  return found;
}

/**
 * Turning a benchmark's JSON into figures: every numeric (or short text) leaf becomes one row keyed
 * by its dotted path. Per-run detail (`allRuns`) and prose (`note`) stay out of the table.
 */
export type FigureValue = number | string | boolean | null;
export type Figures = Record<string, FigureValue>;

const SKIPPED_KEYS = new Set(['allRuns', 'note', 'notes', 'benchmark', 'node']);
const MAX_TEXT = 80;

export function flatten(value: unknown, prefix = '', out: Figures = {}): Figures {
  if (Array.isArray(value)) return out; // per-run samples: the bench already summarised them
  if (value === null || typeof value === 'boolean') {
    if (prefix) out[prefix] = value;
  } else if (typeof value === 'number') {
    if (prefix) out[prefix] = Number.isFinite(value) ? value : null;
  } else if (typeof value === 'string') {
    if (prefix && value.length <= MAX_TEXT) out[prefix] = value;
  } else if (typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (SKIPPED_KEYS.has(key)) continue;
      flatten(child, prefix ? `${prefix}.${key}` : key, out);
    }
  }
  return out;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Several invocations of one bench (each possibly a median of its own runs): the median of each
 * numeric figure; text and booleans from the last invocation.
 */
export function medianFigures(invocations: Figures[]): Figures {
  const keys = new Set(invocations.flatMap((f) => Object.keys(f)));
  const out: Figures = {};
  for (const key of keys) {
    const values = invocations.map((f) => f[key]).filter((v) => v !== undefined);
    const numbers = values.filter((v): v is number => typeof v === 'number');
    out[key] =
      numbers.length > 0 && numbers.length === values.length
        ? median(numbers)
        : (values.at(-1) ?? null);
  }
  return out;
}

/** A figure for a human: integers grouped, small values with two decimals, units from the key. */
export function formatFigure(key: string, value: FigureValue | undefined): string {
  if (value === undefined || value === null) return 'not measured';
  if (typeof value !== 'number') return String(value);
  const rounded =
    Math.abs(value) >= 100 || Number.isInteger(value)
      ? Math.round(value).toLocaleString('en')
      : value.toFixed(2);
  return `${rounded}${unitOf(key)}`;
}

function unitOf(key: string): string {
  if (key.startsWith('ratio.')) return '×';
  const last = key.split('.').at(-1) ?? key;
  if (/Ms$|^ms$/.test(last)) return ' ms';
  if (/Seconds$|^seconds$/.test(last)) return ' s';
  if (/Mb$|MB$|Mib$|MiB$/.test(last)) return ' MB';
  if (/Bytes$|^bytes$/.test(last)) return ' B';
  if (/PerSecond$/.test(last)) return ' /s';
  if (/PerMinute$/.test(last)) return ' /min';
  return '';
}

/**
 * Finds the result JSON a bench printed last on stdout: either a single-line object or a
 * pretty-printed one starting with a `{` line.
 */
export function lastJsonObject(stdout: string): unknown {
  const lines = stdout.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.startsWith('{')) continue;
    try {
      return JSON.parse(lines.slice(i).join('\n').trim()) as unknown;
    } catch {
      try {
        return JSON.parse(lines[i]!) as unknown;
      } catch {
        // not this one: keep looking upwards
      }
    }
  }
  return undefined;
}

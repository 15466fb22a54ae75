/** Plain-text rendering for the CLI: tables and a progress bar, no dependencies. */

export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((row) =>
    row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))),
  );
  const widths = headers.map((header, i) =>
    Math.min(60, Math.max(header.length, ...cells.map((row) => (row[i] ?? '').length))),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const text = cell.length > width ? `${cell.slice(0, width - 1)}…` : cell;
        return text.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/**
 * `[########------]  42%  label`. With an unknown total the bar shows activity only.
 */
export function progressBar(done: number, total: number | null, label: string, width = 30): string {
  if (total === null || total <= 0) {
    const pos = done % width;
    const bar = Array.from({ length: width }, (_, i) => (i === pos ? '#' : '-')).join('');
    return `[${bar}]   ${label}`;
  }
  const ratio = Math.max(0, Math.min(1, done / total));
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${label}`;
}

export function duration(from: string | null, to: string | null): string {
  if (!from) return '-';
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  if (!Number.isFinite(ms)) return '-';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

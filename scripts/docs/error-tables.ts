import { ERROR_CATALOGUE, WS_CLOSE_CODES } from '../../src/domain/errors.js';

/** A markdown table cell: pipes escaped, one line. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The error catalogue of src/domain/errors.ts as the tables docs/api.md shows. */
export function renderErrorTables(): string {
  const codes = Object.entries(ERROR_CATALOGUE).map(
    ([code, e]) =>
      `| \`${code}\` | ${e.httpStatus}${e.httpNote ? ` (${cell(e.httpNote)})` : ''} | ${e.retryable ? 'yes' : 'no'} | ${cell(e.when)} | ${cell(e.ui)} |`,
  );
  const closes = Object.entries(WS_CLOSE_CODES).map(
    ([code, e]) => `| ${code} | ${cell(e.when)} | ${cell(e.ui)} |`,
  );
  return [
    '| `extensions.code` | HTTP status | retry? | when | what the portal should do |',
    '| --- | --- | --- | --- | --- |',
    ...codes,
    '',
    'WebSocket close codes (graphql-ws):',
    '',
    '| code | when | what the portal should do |',
    '| --- | --- | --- |',
    ...closes,
  ].join('\n');
}

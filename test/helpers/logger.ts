import { pino, type Logger } from 'pino';

export interface CapturedLogger {
  logger: Logger;
  /** Parsed log records written so far. */
  records(): Record<string, unknown>[];
  /** Everything logged, as raw text: for "this secret never appears in a log" assertions. */
  text(): string;
}

/** A pino logger writing into memory, so tests can assert on logs without console output. */
export function captureLogger(level: pino.Level = 'debug'): CapturedLogger {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(line) });
  return {
    logger,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join(''),
  };
}

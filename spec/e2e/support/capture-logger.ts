import { Writable } from 'node:stream';
import { createLogger } from '../../../src/telemetry/logger';
import type { Logger } from '../../../src/telemetry/logger';

/** pino's numeric level of `error`; `fatal` is 60. */
const PINO_ERROR = 50;

/** One JSON log line as pino wrote it. */
export interface CapturedLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

/** A logger at level trace that keeps every line in memory instead of writing to stderr. */
export interface CapturedLogger {
  readonly logger: Logger;
  /** Every line logged so far, parsed. */
  lines(): CapturedLine[];
  /** The lines at level error or fatal. */
  errors(): CapturedLine[];
}

/** Makes a {@link CapturedLogger}: pass `.logger` to runFlow (and setLogger) and assert on `.lines()`. */
export function captureLogger(): CapturedLogger {
  const captured: CapturedLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done): void {
      for (const line of String(chunk).split('\n')) {
        if (line.trim() !== '') captured.push(JSON.parse(line) as CapturedLine);
      }
      done();
    },
  });
  const logger = createLogger({ level: 'trace', format: 'json', destination: sink, name: 'e2e' });
  return {
    logger,
    lines: () => [...captured],
    errors: () => captured.filter((l) => l.level >= PINO_ERROR),
  };
}

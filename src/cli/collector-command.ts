import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { runCollector } from '../collector/run-collector';
import { tryParseDuration } from '../config/duration';
import { EXIT_OK } from './exit-codes';

/** Options of `flowgen collector`. */
export interface CollectorCommandOptions {
  /** Port to listen on (default 4317). */
  readonly port: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host: string;
  /** Append every span and metric point to this JSONL file. */
  readonly jsonl?: string;
  /** Largest request in bytes, checked while inflating. */
  readonly maxRequestBytes?: number;
  /** Spans held per trace until it prints. */
  readonly maxSpansPerTrace?: number;
  /** Spans held across waiting traces. */
  readonly maxPendingSpans?: number;
  /** Request bytes held across waiting traces. */
  readonly maxPendingBytes?: number;
  /** Longest a trace that keeps receiving spans waits to print, in ms. */
  readonly traceMaxWait?: number;
  /** Idle time after which a trace prints, in ms. */
  readonly traceIdle?: number;
}

const UNIT_BYTES: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
};

/** `16MiB`, `512KiB`, `1GB`, `65536`: a positive whole number of bytes. */
export function parseByteSize(value: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = UNIT_BYTES[(match?.[2] ?? '').toLowerCase()];
  const bytes = match && unit !== undefined ? Number(match[1]) * unit : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidArgumentError(
      `"${value}" is not a size: write a positive whole number of bytes, optionally with a unit KiB, MiB, GiB (or KB, MB, GB), e.g. 16MiB.`,
    );
  }
  return bytes;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`"${value}" must be a positive whole number, e.g. 10000.`);
  }
  return n;
}

function duration(value: string): number {
  const parsed = tryParseDuration(value);
  if (!parsed.ok) throw new InvalidArgumentError(`"${value}" is not a duration: ${parsed.reason}.`);
  return parsed.ms;
}

/**
 * Declares the options of `flowgen collector` on its commander command: where
 * to listen, the JSONL file, and the bounds that keep a long-running collector's
 * memory flat whatever clients send (defaults in docs/collector.md).
 */
export function collectorOptions(command: Command): Command {
  return command
    .option('--jsonl <file>', 'also append every span and metric point to this JSONL file')
    .option(
      '--max-request-bytes <size>',
      'refuse requests larger than this, checked while inflating (default 16MiB)',
      parseByteSize,
    )
    .option(
      '--max-spans-per-trace <n>',
      'spans held per trace until it prints; more are dropped and counted (default 10000)',
      positiveInt,
    )
    .option(
      '--max-pending-spans <n>',
      'spans held across waiting traces; beyond it the oldest prints early (default 100000)',
      positiveInt,
    )
    .option(
      '--max-pending-bytes <size>',
      'request bytes held across waiting traces; beyond it the oldest prints early (default 64MiB)',
      parseByteSize,
    )
    .option('--trace-idle <duration>', 'print a trace once idle this long (default 1s)', duration)
    .option(
      '--trace-max-wait <duration>',
      'print a trace that never goes idle after this long (default 60s)',
      duration,
    );
}

/**
 * `flowgen collector [--port 4317] [--jsonl file] [limits]`: a local OTLP/gRPC
 * receiver that prints each finished trace as a tree and each metric export
 * as a table, until SIGINT/SIGTERM.
 */
export async function collectorCommand(
  options: CollectorCommandOptions,
  stop: AbortSignal,
): Promise<number> {
  const running = await runCollector({
    port: options.port,
    host: options.host,
    jsonl: options.jsonl,
    out: process.stdout,
    color: process.stdout.isTTY === true,
    ...(options.maxRequestBytes !== undefined ? { maxRequestBytes: options.maxRequestBytes } : {}),
    ...(options.maxSpansPerTrace !== undefined
      ? { maxSpansPerTrace: options.maxSpansPerTrace }
      : {}),
    ...(options.maxPendingSpans !== undefined ? { maxPendingSpans: options.maxPendingSpans } : {}),
    ...(options.maxPendingBytes !== undefined ? { maxPendingBytes: options.maxPendingBytes } : {}),
    ...(options.traceIdle !== undefined ? { traceIdleMs: options.traceIdle } : {}),
    ...(options.traceMaxWait !== undefined ? { traceMaxWaitMs: options.traceMaxWait } : {}),
  });
  // runCollector printed where it listens; say how to use it.
  process.stdout.write(
    `Point a worker at it with \`otlp_endpoint: "${running.receiver.endpoint}"\`` +
      (options.jsonl !== undefined ? `; appending to ${options.jsonl}` : '') +
      '. Ctrl-C to stop.\n',
  );
  // The bin's stop requests (SIGTERM, SIGINT, SIGHUP, from its first line on);
  // a second signal exits 130 there.
  if (!stop.aborted) {
    await new Promise<void>((resolve) =>
      stop.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  await running.close();
  return EXIT_OK;
}

import { runCollector } from '../collector/run-collector';
import { EXIT_OK } from './exit-codes';

/** Options of `flowgen collector`. */
export interface CollectorCommandOptions {
  /** Port to listen on (default 4317). */
  readonly port: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host: string;
  /** Append every span and metric point to this JSONL file. */
  readonly jsonl?: string;
}

/**
 * `flowgen collector [--port 4317] [--jsonl file]`: a local OTLP/gRPC
 * receiver that prints each finished trace as a tree and each metric export
 * as a table, until SIGINT/SIGTERM.
 */
export async function collectorCommand(options: CollectorCommandOptions): Promise<number> {
  const running = await runCollector({
    port: options.port,
    host: options.host,
    jsonl: options.jsonl,
    out: process.stdout,
    color: process.stdout.isTTY === true,
  });
  // runCollector printed where it listens; say how to use it.
  process.stdout.write(
    `Point a worker at it with \`otlp_endpoint: "${running.receiver.endpoint}"\`` +
      (options.jsonl !== undefined ? `; appending to ${options.jsonl}` : '') +
      '. Ctrl-C to stop.\n',
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await running.close();
  return EXIT_OK;
}

import { Worker } from 'node:worker_threads';
import { exportWorkerEntry } from './export-worker-entry';
import type { ExportWorkerEntry } from './export-worker-entry';

/*
 * One export worker thread per process (per worker script), shared by every
 * processor: a thread costs a V8 isolate and the gRPC module graph, so a
 * process with several provider sets, or a spec run with hundreds, starts
 * one. A thread that exited is replaced on the next request.
 */
const live = new Map<string, Worker>();

/**
 * The running export worker for `entry`, started if there is none.
 * Throws when the thread cannot be created at all.
 */
export function sharedExportWorker(entry: ExportWorkerEntry): Worker {
  const running = live.get(entry.file);
  if (running !== undefined) return running;
  const worker = new Worker(entry.file, {
    ...(entry.execArgv === undefined ? {} : { execArgv: [...entry.execArgv] }),
    name: 'flowgen-span-export',
  });
  // Telemetry must never keep a finished program alive.
  worker.unref();
  // Every attached processor watches the thread's end.
  worker.setMaxListeners(0);
  const forget = (): void => {
    if (live.get(entry.file) === worker) live.delete(entry.file);
  };
  worker.once('exit', forget);
  worker.once('error', forget);
  live.set(entry.file, worker);
  return worker;
}

/**
 * Starts the export worker thread ahead of the first providers and resolves
 * once it has loaded (true), or could not start (false). Optional: providers
 * start it themselves, and spans that end meanwhile wait for it. Useful
 * where its start-up matters, e.g. under ts-node (about 2 s the first time).
 *
 * @example
 * ```ts
 * before(async () => { await prepareExportWorker(); });
 * ```
 */
export function prepareExportWorker(
  entry: ExportWorkerEntry = exportWorkerEntry(),
): Promise<boolean> {
  let worker: Worker;
  try {
    worker = sharedExportWorker(entry);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      clearInterval(keepAlive);
      resolve(ok);
    };
    const onMessage = (message: { type?: string }): void => {
      if (message.type === 'pong') done(true);
    };
    const onExit = (): void => done(false);
    // The thread is unref'd: keep the process alive while someone waits for it.
    const keepAlive = setInterval(() => undefined, 60_000);
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.postMessage({ type: 'ping' });
  });
}

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root (this file is spec/e2e/support/spawn-worker.ts). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The compiled CLI the e2e specs run: `npm test` builds it before the specs. */
export const CLI_PATH = path.join(REPO_ROOT, 'dist', 'src', 'cli.js');

/** Where the flow and worker YAML templates of the e2e specs live. */
export const FIXTURES_DIR = path.resolve(__dirname, '..', 'fixtures');

/** One parsed JSON log line of a worker's stderr (pino's shape). */
export interface LogLine {
  /** pino level: 30 info, 40 warn, 50 error. */
  readonly level: number;
  /** The message. */
  readonly msg?: string;
  /** Every other field (task, trace_id, span_id, event_id, payload...). */
  readonly [field: string]: unknown;
}

/** How a child process ended. */
export interface ExitResult {
  /** The exit code, or null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, or null. */
  readonly signal: NodeJS.Signals | null;
  /** Milliseconds from the last `signal()` sent to it (from spawn when none was) to its exit. */
  readonly msSinceSignal: number;
}

/** Options of {@link spawnWorker}. */
export interface SpawnWorkerOptions {
  /** Extra environment; `FLOWGEN_LOG_LEVEL` defaults to info and the format to json. */
  readonly env?: Record<string, string>;
  /** Working directory (default: the repository root). */
  readonly cwd?: string;
  /** The program to run instead of `node dist/src/cli.js` (e.g. `npx`); args are then its own. */
  readonly command?: string;
  /** A short name used in failure messages (default: the pid). */
  readonly label?: string;
}

/*
 * The child must not inherit the spec process's quiet log level (spec/setup.ts
 * sets FLOWGEN_LOG_LEVEL=silent) nor any OTEL_* setting of the developer's
 * shell, which would change what the worker exports.
 */
function childEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('FLOWGEN_')) env[key] = value;
  }
  return { ...env, FLOWGEN_LOG_LEVEL: 'info', FLOWGEN_LOG_FORMAT: 'json', ...extra };
}

interface LogWaiter {
  readonly predicate: (line: LogLine) => boolean;
  readonly resolve: (line: LogLine) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A running child process with its stdout and stderr collected, its stderr
 * parsed as JSON log lines, and promises for its exit and for log lines.
 */
export class WorkerProcess {
  /** When the last signal was sent through {@link WorkerProcess.signal} (`Date.now()`). */
  signalledAt: number;
  private out = '';
  private err = '';
  private parsedUpTo = 0;
  private readonly lines: LogLine[] = [];
  private readonly waiters = new Set<LogWaiter>();
  private result: ExitResult | undefined;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitResult>;

  constructor(
    readonly child: ChildProcess,
    readonly label: string,
  ) {
    this.signalledAt = Date.now();
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.out += chunk;
    });
    child.stderr?.on('data', (chunk: string) => {
      this.err += chunk;
      this.parseLines();
    });
    this.exited = new Promise<ExitResult>((resolve) => {
      // 'close' (not 'exit'): stdout and stderr are complete by then.
      child.on('close', (code, signal) => {
        this.result = { code, signal, msSinceSignal: Date.now() - this.signalledAt };
        for (const waiter of [...this.waiters]) {
          this.waiters.delete(waiter);
          clearTimeout(waiter.timer);
          waiter.reject(
            new Error(
              `${this.label} exited (code ${String(code)}, signal ${String(signal)}) before the awaited log line.\n${this.describe()}`,
            ),
          );
        }
        resolve(this.result);
      });
    });
  }

  /** The pid. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Whether the process has not exited yet. */
  get running(): boolean {
    return (
      this.result === undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Everything written to stdout so far. */
  stdout(): string {
    return this.out;
  }

  /** Everything written to stderr so far. */
  stderr(): string {
    return this.err;
  }

  /** The complete JSON lines of stderr so far, parsed (other lines are skipped). */
  logLines(): LogLine[] {
    return [...this.lines];
  }

  /** Sends `signal` and notes when, for {@link ExitResult.msSinceSignal}. */
  signal(signal: NodeJS.Signals): void {
    this.signalledAt = Date.now();
    this.child.kill(signal);
  }

  /** Resolves with the first log line (already seen or to come) matching `predicate`. */
  waitForLog(
    predicate: (line: LogLine) => boolean,
    timeoutMs: number,
    what = 'a matching log line',
  ): Promise<LogLine> {
    const seen = this.lines.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.result !== undefined) {
      return Promise.reject(
        new Error(`${this.label} already exited; no ${what}.\n${this.describe()}`),
      );
    }
    return new Promise<LogLine>((resolve, reject) => {
      const waiter: LogWaiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new Error(`${this.label}: no ${what} within ${timeoutMs} ms.\n${this.describe()}`),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Resolves with the `count`-th log line matching `predicate` (counting those already seen). */
  waitForLogCount(
    predicate: (line: LogLine) => boolean,
    count: number,
    timeoutMs: number,
    what = `${count} matching log lines`,
  ): Promise<LogLine> {
    let seen = 0;
    return this.waitForLog((line) => predicate(line) && ++seen >= count, timeoutMs, what);
  }

  /** Resolves with how the process ended; rejects when it still runs after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<ExitResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`${this.label} still running ${timeoutMs} ms later.\n${this.describe()}`),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILLs the process if it still runs and waits for it to be gone. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** The tail of stdout and stderr, for failure messages. */
  describe(): string {
    const tail = (text: string): string => text.split('\n').slice(-15).join('\n');
    return `--- ${this.label} stdout (tail) ---\n${tail(this.out)}\n--- ${this.label} stderr (tail) ---\n${tail(this.err)}`;
  }

  private parseLines(): void {
    const end = this.err.lastIndexOf('\n');
    if (end < this.parsedUpTo) return;
    const fresh = this.err.slice(this.parsedUpTo, end).split('\n');
    this.parsedUpTo = end + 1;
    for (const text of fresh) {
      if (!text.startsWith('{')) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      this.lines.push(line);
      for (const waiter of [...this.waiters]) {
        if (!waiter.predicate(line)) continue;
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(line);
      }
    }
  }
}

/**
 * Starts `node dist/src/cli.js <args>` (or `options.command <args>`) with its
 * stdout and stderr piped and collected. Register it with a
 * {@link ProcessPool} so `afterEach` kills it even when the spec fails.
 */
export function spawnWorker(
  args: readonly string[],
  options: SpawnWorkerOptions = {},
): WorkerProcess {
  const command = options.command ?? process.execPath;
  const argv = options.command === undefined ? [CLI_PATH, ...args] : [...args];
  const child = spawn(command, argv, {
    cwd: options.cwd ?? REPO_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new WorkerProcess(child, options.label ?? `process ${String(child.pid)}`);
}

/** The child processes of one spec, all SIGKILLed by {@link ProcessPool.killAll}. */
export class ProcessPool {
  private readonly processes: WorkerProcess[] = [];

  /** {@link spawnWorker}, remembered for {@link ProcessPool.killAll}. */
  spawn(args: readonly string[], options: SpawnWorkerOptions = {}): WorkerProcess {
    const worker = spawnWorker(args, options);
    this.processes.push(worker);
    return worker;
  }

  /** SIGKILLs every process still running and waits until all are gone. For `afterEach`. */
  async killAll(): Promise<void> {
    const all = this.processes.splice(0);
    await Promise.all(all.map((p) => p.kill()));
  }
}

/** Fails early, with the fix, when the compiled CLI is missing. */
export function assertBuilt(): void {
  if (!fs.existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} does not exist: run \`npm run build\` before the e2e specs.`);
  }
}

/**
 * A port that was free a moment ago: bound on 127.0.0.1 with port 0, then
 * released. Another process could take it in between; on loopback in a spec
 * run that is rare enough.
 */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A temporary directory for one spec's flow and worker files. */
export class TempDir {
  /** The directory's absolute path. */
  readonly path: string;

  constructor(prefix = 'flowgen-e2e-') {
    this.path = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  }

  /** Writes `text` to `name` in the directory and returns the file's path. */
  write(name: string, text: string): string {
    const file = path.join(this.path, name);
    fs.writeFileSync(file, text);
    return file;
  }

  /**
   * Copies fixture `fixture` (relative to spec/e2e/fixtures) to `name`,
   * replacing every `${KEY}` with `vars[KEY]`; a placeholder without a value
   * is an error, so a template and its spec cannot drift apart silently.
   */
  fixture(
    fixture: string,
    vars: Record<string, string | number> = {},
    name = path.basename(fixture),
  ): string {
    const template = fs.readFileSync(path.join(FIXTURES_DIR, fixture), 'utf8');
    const text = template.replace(/\$\{([A-Z0-9_]+)\}/g, (_, key: string) => {
      const value = vars[key];
      if (value === undefined) throw new Error(`fixture ${fixture} needs a value for \${${key}}`);
      return String(value);
    });
    return this.write(name, text);
  }

  /** Removes the directory and everything in it. */
  remove(): void {
    fs.rmSync(this.path, { recursive: true, force: true });
  }
}

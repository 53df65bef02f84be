import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** How long a start may take on a loaded 2-core machine (measured 45-370 ms idle). */
export const START_TIMEOUT_MS = 15_000;

/**
 * A real `nats-server` with JetStream on, listening on 127.0.0.1 at a port
 * it picks itself, with its store in a temp dir. Debian's package (2.9.10) is what CI
 * installs (`.ci/run`); a missing binary fails with that fix. Used by the
 * NATS specs (spec/e2e/support/nats-server.ts) and the NATS benchmark.
 */
export class NatsServer {
  private child: ChildProcess | undefined;
  private log = '';

  private constructor(
    /** The TCP port: -1 until the first start, which lets the server pick one. */
    private boundPort: number,
    /** The JetStream store directory (kept across {@link NatsServer.restart}). */
    readonly storeDir: string,
  ) {}

  /** The TCP port it listens on. */
  get port(): number {
    return this.boundPort;
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Whether the process runs. */
  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Starts a server on a port it picks itself; resolves once it is ready for clients. */
  static async start(): Promise<NatsServer> {
    const server = new NatsServer(-1, fs.mkdtempSync(path.join(os.tmpdir(), 'flowgen-nats-')));
    await server.launch();
    return server;
  }

  /** Starts it again on the same port and store (after {@link NatsServer.kill}). */
  async restart(): Promise<void> {
    if (this.running) throw new Error('nats-server is still running');
    await this.launch();
  }

  /** SIGKILLs the process and waits until it is gone; the store stays. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const gone = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  }

  /** Kills the server and removes its store. For `afterEach`. */
  async stop(): Promise<void> {
    await this.kill();
    fs.rmSync(this.storeDir, { recursive: true, force: true });
  }

  /** The server's own log so far, for failure messages. */
  output(): string {
    return this.log;
  }

  private launch(): Promise<void> {
    const child = spawn(
      'nats-server',
      ['-js', '-a', '127.0.0.1', '-p', String(this.boundPort), '-sd', this.storeDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let fresh = ''; // this launch's output: a restart must not match the last one's
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`nats-server not ready within ${START_TIMEOUT_MS} ms:\n${this.log}`));
      }, START_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString('utf8');
        this.log += text;
        fresh += text;
        // `-p -1` lets the server take a free port: no race with other processes.
        const listening = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(fresh);
        if (listening !== null) this.boundPort = Number(listening[1]);
        if (fresh.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(
          new Error(
            `cannot start nats-server (${error.message}); install it: apt-get install -y nats-server`,
          ),
        );
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(
          new Error(`nats-server exited (code ${String(code)}) before it was ready:\n${this.log}`),
        );
      });
    });
  }
}

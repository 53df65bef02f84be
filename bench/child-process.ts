import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Marks the one stdout line of a bench child that carries its JSON result. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

/** Extra `node` flags for every bench child (`--cpu-prof` when profiling). */
export interface ChildFlags {
  /** Write a V8 CPU profile per child into this directory. */
  readonly cpuProfDir?: string;
}

/**
 * Runs `dist/bench/<script>.js --child <json>` in a fresh Node process and
 * resolves with the JSON it prints. A fresh process per scenario keeps peak
 * RSS, GC state and the OTel globals (the hand-written baseline registers a
 * global context manager) of one scenario out of the next.
 */
export function runChild<T>(script: string, options: unknown, flags: ChildFlags = {}): Promise<T> {
  const nodeArgs = ['--expose-gc'];
  if (flags.cpuProfDir !== undefined) {
    nodeArgs.push(
      '--cpu-prof',
      '--cpu-prof-dir',
      flags.cpuProfDir,
      '--cpu-prof-name',
      `${script}-${Date.now()}.cpuprofile`,
    );
  }
  const child = spawn(
    process.execPath,
    [...nodeArgs, join(__dirname, `${script}.js`), '--child', JSON.stringify(options)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { FLOWGEN_LOG_LEVEL: 'silent', ...process.env },
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
  });
  return new Promise<T>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || line === undefined) {
        reject(
          new Error(`bench child ${script} exited with ${String(code)}:\n${out.slice(-2000)}`),
        );
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
    });
  });
}

/**
 * In a bench child: reads the options given by {@link runChild}, runs `main`
 * and prints its result for the parent. Returns false when this process is
 * not a bench child (the module was only imported).
 */
export function childMain<O, R>(module: NodeModule, main: (options: O) => Promise<R>): boolean {
  if (require.main !== module) return false;
  const at = process.argv.indexOf('--child');
  const options = (at >= 0 ? JSON.parse(process.argv[at + 1] ?? '{}') : {}) as O;
  main(options).then(
    (result) => {
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
      // Some scenarios leave gRPC channels with retry timers to a closed port: do not wait for them.
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
  return true;
}

/*
 * A scratch consumer project OUTSIDE the repository that installs the packed
 * package (`npm pack` of the built dist/) the way a user's project does, with
 * peer dependencies at versions other than the repository's own (tsyringe
 * 4.8, class-validator 0.15). Made once per mocha process and shared by the
 * specs that need it (the consumer spec and the docs examples spec).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, assertBuilt } from './spawn-worker';

const run = promisify(execFile);

/** Versions the scratch project installs beside the tarball. */
export const CONSUMER_PEERS: Readonly<Record<string, string>> = {
  '@opentelemetry/api': '1.9.0',
  'class-transformer': '0.5.1',
  'class-validator': '0.15.1',
  'reflect-metadata': '0.2.2',
  tsyringe: '4.8.0',
};

/** An installed scratch project. */
export interface ConsumerProject {
  /** Its directory (with node_modules). */
  readonly dir: string;
  /** Type-checks and compiles with the repository's TypeScript; rejects with tsc's output. */
  tsc(tsconfig: string): Promise<void>;
  /** Runs `node` with `args` in `cwd`; resolves with stdout and stderr whatever the exit code. */
  node(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<NodeRun>;
}

/** What a `node` run printed, and how it ended. */
export interface NodeRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let made: Promise<ConsumerProject> | undefined;

/** The shared scratch project, made on first call (npm pack + npm install, about 10-60 s). */
export function consumerProject(): Promise<ConsumerProject> {
  made ??= makeProject();
  return made;
}

async function makeProject(): Promise<ConsumerProject> {
  assertBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgen-consumer-'));
  // shared by several spec files: removed when the mocha process ends
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  // dist/ is already built by `npm test`: skip the prepare script
  const packed = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', dir, '--loglevel=error'],
    { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  const pkg = {
    name: 'flowgen-consumer',
    private: true,
    dependencies: { 'flowgen-ts': `file:./${filename}`, ...CONSUMER_PEERS },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  // the local npm cache first: the registry only for what it lacks
  await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=error',
    ],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024, timeout: 170_000 },
  );
  const tscBin = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  return {
    dir,
    async tsc(tsconfig) {
      try {
        await run(process.execPath, [tscBin, '-p', tsconfig], { maxBuffer: 16 * 1024 * 1024 });
      } catch (error) {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        throw new Error(`tsc -p ${tsconfig} failed:\n${stdout}${stderr}`);
      }
    },
    async node(args, cwd, env = process.env) {
      try {
        const { stdout, stderr } = await run(process.execPath, [...args], {
          cwd,
          env,
          maxBuffer: 16 * 1024 * 1024,
          timeout: 60_000,
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code?: unknown; stdout?: string; stderr?: string };
        return {
          code: typeof e.code === 'number' ? e.code : -1,
          stdout: e.stdout ?? '',
          stderr: e.stderr ?? '',
        };
      }
    },
  };
}

/**
 * compilerOptions a consumer sets (the README's): strict, legacy decorators
 * with metadata; @types/node from the repository so nothing more is installed.
 */
export function consumerCompilerOptions(module: 'commonjs' | 'nodenext'): Record<string, unknown> {
  return {
    target: 'ES2022',
    module,
    moduleResolution: module === 'commonjs' ? 'node10' : 'nodenext',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    skipLibCheck: false,
    typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
    types: ['node'],
    outDir: 'dist',
    rootDir: 'src',
  };
}

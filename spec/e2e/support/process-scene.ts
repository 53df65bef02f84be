import { OtlpReceiver } from '../../../src/collector/otlp-receiver';
import { ProcessPool, TempDir, assertBuilt } from './spawn-worker';

/** What a whole-process spec works with; everything is cleaned up after each test. */
export interface ProcessScene {
  /** Child processes, SIGKILLed after each test. */
  readonly pool: ProcessPool;
  /** This test's temp dir (flows and worker configs). */
  readonly dir: TempDir;
  /** Starts an in-process receiver on a free port, stopped after the test. */
  startReceiver(): Promise<OtlpReceiver>;
  /** Runs `fn` after the test, before the temp dir is removed. */
  onCleanup(fn: () => Promise<void> | void): void;
}

/**
 * Registers the mocha hooks of a whole-process spec (built CLI present, a temp
 * dir per test; children, receivers and extra resources cleaned up after it)
 * and returns the scene. Call it inside `describe`.
 */
export function processScene(tempPrefix: string): ProcessScene {
  const pool = new ProcessPool();
  let dir: TempDir | undefined;
  let cleanups: (() => Promise<void> | void)[] = [];
  before(assertBuilt);
  beforeEach(() => {
    dir = new TempDir(tempPrefix);
  });
  afterEach(async () => {
    await pool.killAll();
    for (const fn of cleanups.reverse()) await fn();
    cleanups = [];
    dir?.remove();
  });
  const scene: ProcessScene = {
    pool,
    get dir(): TempDir {
      if (dir === undefined) throw new Error('processScene: dir is only there inside a test');
      return dir;
    },
    startReceiver: async () => {
      const receiver = await OtlpReceiver.start({ port: 0 });
      cleanups.push(() => receiver.stop());
      return receiver;
    },
    onCleanup: (fn) => {
      cleanups.push(fn);
    },
  };
  return scene;
}

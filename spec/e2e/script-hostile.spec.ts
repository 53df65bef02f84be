/*
 * The reproductions of the old `script` step, against the real
 * `flowgen run` process: each used to hang the worker for good (a core
 * pinned, SIGTERM ignored), read a host file, or abort the process. In the
 * sandbox each fails its own event; the worker runs the flow to its end,
 * counts the failures and exits normally.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ProcessPool, TempDir, assertBuilt } from './support/spawn-worker';

const flow = (secretFile: string): string => `
flow:
  name: hostile-scripts
  tasks:
    - generate: { name: ticks, interval: 1ms, count: 6 }
    - script:
        name: hostile
        timeout: 300ms
        memory_limit_mib: 8
        retry: { max_attempts: 1 }
        code: |
          const n = event.data.n;
          if (n === 1) event.constructor.constructor('return process')().mainModule.require('fs').readFileSync('${secretFile}', 'utf8');
          else if (n === 2) ({ get data() { for (;;) {} } });
          else if (n === 3) { Promise.resolve().then(() => { for (;;) {} }); event }
          else if (n === 4) { const keep = []; for (;;) keep.push(new Array(1000).fill(n)); }
          else { const x = n; ({ data: { n: x, ok: true } }) }
    - log: { name: out, level: info, include_payload: true }
`;

describe('e2e: hostile scripts in a real worker (real child processes)', () => {
  const pool = new ProcessPool();
  let dir: TempDir;

  before(assertBuilt);
  beforeEach(() => {
    dir = new TempDir('flowgen-e2e-script-');
  });
  afterEach(async () => {
    await pool.killAll();
    dir.remove();
  });

  it('an escape, a getter, a microtask loop and a memory bomb each fail one event; the flow ends, exit 0', async () => {
    const secret = `secret-${randomUUID()}`;
    const secretFile = dir.write('secret.txt', secret);
    const worker = pool.spawn(['run', dir.write('hostile.yaml', flow(secretFile))], {
      label: 'flowgen run hostile.yaml',
    });
    // Without the sandbox this never exits; 4 failing events of 300 ms each fit well within.
    const { code, signal } = await worker.waitForExit(15_000);
    expect({ code, signal }, worker.stderr()).to.deep.equal({ code: 0, signal: null });
    const finished = worker.logLines().find((l) => l.msg === 'flow finished');
    expect(finished?.stats).to.deep.include({ hostile: { processed: 6, failed: 4, emitted: 2 } });
    const out = `${worker.stdout()}\n${worker.stderr()}`;
    for (const failure of [
      "threw: ReferenceError: 'process' is not defined",
      'timed out: it ran longer than its timeout of 300 ms',
      'went over its memory limit of 8 MiB',
    ]) {
      expect(out).to.contain(failure);
    }
    expect(out).not.to.contain(secret);
  });
});

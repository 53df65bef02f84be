import * as fs from 'node:fs';
import { expect } from 'chai';
import { processScene } from './support/process-scene';
import { CLI_PATH } from './support/spawn-worker';
import type { LogLine } from './support/spawn-worker';

/*
 * What `npx flowgen run` does: a wrapper process (npm) starts the worker with
 * its own stdio and, killed by SIGTERM, dies without passing the signal on.
 */
const WRAPPER = [
  "const { spawn } = require('node:child_process');",
  "const child = spawn(process.execPath, process.argv.slice(1), { stdio: 'inherit' });",
  "process.stdout.write('worker pid ' + child.pid + '\\n');",
  'setInterval(() => undefined, 1000);',
].join('\n');

const isEventLine = (line: LogLine): boolean => line.msg === 'event' && line.task === 'out';

/** Whether `pid` is still a live process (a zombie waiting for its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s*Z/m.test(status);
  } catch {
    return false;
  }
}

describe('e2e: an orphaned worker notices and stops gracefully (real child processes)', () => {
  let workerPid = -1;
  // Before processScene's own hook, which waits for the wrapper's pipes: the
  // orphan holds them until it is gone.
  afterEach(() => {
    if (alive(workerPid)) process.kill(workerPid, 'SIGKILL');
    workerPid = -1;
  });
  const scene = processScene('flowgen-e2e-orphan-');

  it('@slow the wrapper that started it dies by SIGTERM without forwarding it: the worker stops, reports and exits', async function () {
    this.timeout(30_000);
    const shutdownMs = 2_000;
    const flow = scene.dir.fixture('flows/endless-ticks.yaml');
    const config = scene.dir.fixture('workers/no-telemetry.yaml', {
      SHUTDOWN_TIMEOUT: `${shutdownMs}ms`,
    });
    const wrapper = scene.pool.spawn(['-e', WRAPPER, CLI_PATH, 'run', flow, '--config', config], {
      command: process.execPath,
      label: 'wrapper+worker',
    });
    await wrapper.waitForLogCount(isEventLine, 5, 10_000, '5 logged events');
    workerPid = Number(/worker pid (\d+)/.exec(wrapper.stdout())?.[1]);
    expect(workerPid).to.be.above(0);

    wrapper.signal('SIGTERM');
    // The pipes close when the worker, the last one holding them, has exited.
    const gone = await wrapper.waitForExit(1_000 + shutdownMs + 3_000);

    expect(gone.signal, 'the wrapper was killed by the signal').to.equal('SIGTERM');
    expect(alive(workerPid), 'the worker exited').to.equal(false);
    const lines = wrapper.logLines();
    const orphaned = lines.find((l) => l.msg?.startsWith('the parent process exited') === true);
    expect(orphaned, wrapper.describe()).to.deep.include({ former_parent_pid: wrapper.pid });
    const finished = lines.find((l) => l.msg === 'flow finished');
    expect(finished, wrapper.describe()).to.deep.include({ events_lost: 0 });
    const stats = finished!.stats as Record<string, { processed: number }>;
    expect(lines.filter(isEventLine)).to.have.length(stats.out!.processed);
    expect(
      lines.filter((l) => l.level >= 50),
      'no error logged',
    ).to.deep.equal([]);
  });

  it('@slow with --no-parent-watch an orphaned worker keeps running', async function () {
    this.timeout(30_000);
    const flow = scene.dir.fixture('flows/endless-ticks.yaml');
    const config = scene.dir.fixture('workers/no-telemetry.yaml', { SHUTDOWN_TIMEOUT: '2s' });
    const wrapper = scene.pool.spawn(
      ['-e', WRAPPER, CLI_PATH, 'run', flow, '--config', config, '--no-parent-watch'],
      { command: process.execPath, label: 'wrapper+worker' },
    );
    await wrapper.waitForLogCount(isEventLine, 5, 10_000, '5 logged events');
    workerPid = Number(/worker pid (\d+)/.exec(wrapper.stdout())?.[1]);
    wrapper.signal('SIGTERM');
    const before = wrapper.logLines().filter(isEventLine).length;
    await wrapper.waitForLogCount(isEventLine, before + 100, 10_000, '100 more events');
    expect(alive(workerPid)).to.equal(true);
    expect(
      wrapper.logLines().some((l) => l.msg?.startsWith('the parent process') === true),
    ).to.equal(false);
    process.kill(workerPid, 'SIGTERM');
    await wrapper.waitForExit(5_000);
    expect(wrapper.logLines().some((l) => l.msg === 'flow finished')).to.equal(true);
  });
});

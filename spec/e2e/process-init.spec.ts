import * as fs from 'node:fs';
import { expect } from 'chai';
import { processScene } from './support/process-scene';
import { CLI_PATH } from './support/spawn-worker';
import type { LogLine } from './support/spawn-worker';

const TINI = '/usr/bin/tini';
const isEventLine = (line: LogLine): boolean => line.msg === 'event' && line.task === 'out';

/*
 * The way samples/docker runs a worker: tini as the init, the bin in exec
 * form under it. Here tini is not PID 1, so it runs as a subreaper (-s).
 */
describe('e2e: a worker under tini, as in samples/docker (real child processes)', () => {
  const scene = processScene('flowgen-e2e-init-');

  it('@slow SIGTERM to tini reaches the worker: graceful stop with its report, tini exits with the worker code 0', async function () {
    if (!fs.existsSync(TINI)) this.skip(); // apt-get install tini
    this.timeout(20_000);
    const shutdownMs = 2_000;
    const flow = scene.dir.fixture('flows/endless-ticks.yaml');
    const config = scene.dir.fixture('workers/no-telemetry.yaml', {
      SHUTDOWN_TIMEOUT: `${shutdownMs}ms`,
    });
    const tini = scene.pool.spawn(
      ['-s', '--', process.execPath, CLI_PATH, 'run', flow, '--config', config],
      { command: TINI, label: 'tini+worker' },
    );

    await tini.waitForLogCount(isEventLine, 5, 10_000, '5 logged events');
    tini.signal('SIGTERM');
    const exit = await tini.waitForExit(shutdownMs + 3_000);

    expect(exit, tini.describe()).to.include({ code: 0, signal: null });
    const lines = tini.logLines();
    expect(
      lines.filter((l) => l.msg?.startsWith('stopping:') === true).map((l) => l.signal),
    ).to.deep.equal(['SIGTERM']);
    const finished = lines.find((l) => l.msg === 'flow finished');
    expect(finished, tini.describe()).to.deep.include({ events_lost: 0 });
  });
});

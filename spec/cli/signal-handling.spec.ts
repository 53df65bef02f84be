import { once } from 'node:events';
import { expect } from 'chai';
import { EXIT_INTERRUPTED } from '../../src/cli/exit-codes';
import { installStopSignals } from '../../src/cli/signal-handling';
import type { StopRequests } from '../../src/cli/signal-handling';

describe('installStopSignals', () => {
  let stop: StopRequests | undefined;
  afterEach(() => stop?.uninstall());

  it('a real SIGHUP to this process is a graceful stop request (abort, reason SIGHUP), not a kill', async () => {
    const exits: number[] = [];
    stop = installStopSignals({ exit: (code) => exits.push(code) });
    const aborted = once(stop.signal, 'abort');
    process.kill(process.pid, 'SIGHUP');
    await aborted;
    expect(stop.signal.reason).to.equal('SIGHUP');
    expect(exits).to.deep.equal([]);
  });

  it('a second signal exits 130, whichever signal came first', async () => {
    const exits: number[] = [];
    const said: string[] = [];
    stop = installStopSignals({ exit: (code) => exits.push(code) });
    stop.setReporter({
      stopping: (reason) => said.push(`stopping ${reason}`),
      exitingNow: (signal) => said.push(`exiting ${signal}`),
    });
    stop.request('orphaned');
    process.emit('SIGTERM', 'SIGTERM');
    expect(said).to.deep.equal(['stopping orphaned', 'exiting SIGTERM']);
    expect(exits).to.deep.equal([EXIT_INTERRUPTED]);
  });

  it('reports a stop requested before the reporter was set, once it is set', () => {
    stop = installStopSignals({ exit: () => undefined });
    process.emit('SIGINT', 'SIGINT');
    const said: string[] = [];
    stop.setReporter({ stopping: (r) => said.push(r), exitingNow: () => undefined });
    expect(said).to.deep.equal(['SIGINT']);
  });

  it('uninstall removes exactly its own listeners', () => {
    const before = process.listenerCount('SIGTERM');
    stop = installStopSignals({ exit: () => undefined });
    expect(process.listenerCount('SIGTERM')).to.equal(before + 1);
    stop.uninstall();
    expect(process.listenerCount('SIGTERM')).to.equal(before);
    stop = undefined;
  });
});

import { expect } from 'chai';
import { DeadlineRace } from '../../src/connectors/nats-deadline-race';

describe('connectors: DeadlineRace (nats_subscribe in-flight messages at the shutdown deadline)', () => {
  it('gives up 50 pending waits at the deadline with one listener (no MaxListeners warning); settled work keeps its value', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const deadline = new AbortController();
      const race = new DeadlineRace(deadline.signal);
      const done = race.run(Promise.resolve('acked'));
      const stuck = Array.from({ length: 50 }, () =>
        race.run(new Promise<string>(() => undefined)),
      );
      expect(await done).to.equal('acked');
      deadline.abort();
      expect(await Promise.all(stuck)).to.deep.equal(Array.from({ length: 50 }, () => undefined));
      expect(await race.run(Promise.resolve('late')), 'after the deadline: at once').to.equal(
        undefined,
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).not.to.include('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('passes a rejection through, and without a deadline signal is the work itself', async () => {
    const race = new DeadlineRace(new AbortController().signal);
    const failure = new RangeError('handler failed');
    expect(await race.run(Promise.reject(failure)).catch((e: unknown) => e)).to.equal(failure);
    const work = Promise.resolve(7);
    expect(new DeadlineRace(undefined).run(work)).to.equal(work);
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { watchForOrphaning } from '../../src/cli/orphan-watch';

describe('watchForOrphaning', () => {
  it('calls back once when the parent pid changes (re-parented), with both pids', async () => {
    let parent = 4242;
    const calls: Array<[number, number]> = [];
    const stop = watchForOrphaning(
      (from, to) => calls.push([from, to]),
      5,
      () => parent,
    );
    await sleep(30);
    expect(calls).to.deep.equal([]);
    parent = 1;
    await sleep(30);
    parent = 77;
    await sleep(30);
    stop();
    expect(calls).to.deep.equal([[4242, 1]]);
  });

  it('does not watch a process started by an init (parent 1) or with no parent (PID 1 itself)', async () => {
    for (const initial of [1, 0]) {
      let parent = initial;
      const calls: number[] = [];
      const stop = watchForOrphaning(
        (_, to) => calls.push(to),
        5,
        () => parent,
      );
      parent = 999;
      await sleep(30);
      stop();
      expect(calls, `initial parent ${initial}`).to.deep.equal([]);
    }
  });
});

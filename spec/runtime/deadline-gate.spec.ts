import { expect } from 'chai';
import { Channel } from '../../src/runtime/channel';
import { DeadlineGate } from '../../src/runtime/deadline-gate';
import { ShutdownDeadlineError } from '../../src/runtime/shutdown-deadline-error';

describe('DeadlineGate', () => {
  it('passes a result or an error through unchanged before the deadline', async () => {
    const gate = new DeadlineGate(new AbortController().signal, 't');
    expect(await gate.race(Promise.resolve(7))).to.equal(7);
    const boom = new Error('boom');
    expect(await gate.race(Promise.reject(boom)).catch((e: unknown) => e)).to.equal(boom);
  });

  it('ends a wait that never settles at the deadline with ShutdownDeadlineError naming the task', async () => {
    const deadline = new AbortController();
    const gate = new DeadlineGate(deadline.signal, 'slow-task');
    const waiting = gate.race(new Promise(() => undefined)).catch((e: unknown) => e);
    deadline.abort();
    const error = await waiting;
    expect(error).to.be.instanceOf(ShutdownDeadlineError);
    expect((error as ShutdownDeadlineError).code).to.equal('FLOWGEN_SHUTDOWN_DEADLINE');
    expect((error as Error).message)
      .to.contain('"slow-task"')
      .and.contain('shutdown_timeout');
  });

  it('after the deadline: receive reports done even with items buffered, send rejects, a full send is released', async () => {
    const deadline = new AbortController();
    const gate = new DeadlineGate(deadline.signal, 't');
    const channel = new Channel<number>(1);
    await gate.send(channel, 1);
    const blocked = gate.send(channel, 2).catch((e: unknown) => e);
    expect(await gate.receive(channel)).to.deep.equal({ done: false, value: 1 });
    const empty = new Channel<number>(1);
    const waitingReceive = gate.receive(empty);
    deadline.abort();
    expect(await waitingReceive).to.deep.include({ done: true });
    expect(await blocked).to.equal(undefined); // taken into the buffer when 1 was received
    expect(await gate.receive(channel)).to.deep.include({ done: true });
    expect(await gate.send(channel, 3).catch((e: unknown) => e)).to.be.instanceOf(
      ShutdownDeadlineError,
    );
  });

  it('keeps no waiter for work that settled: 10,000 settled races, then the deadline rejects nothing', async () => {
    const deadline = new AbortController();
    const gate = new DeadlineGate(deadline.signal, 't');
    for (let i = 0; i < 10_000; i++) await gate.race(Promise.resolve(i));
    const waiting = (gate as unknown as { waiting: Set<unknown> }).waiting;
    expect(waiting.size).to.equal(0);
    deadline.abort();
  });
});

import { expect } from 'chai';
import { Channel, ChannelClosedError } from '../../src/runtime/channel';
import { FlowgenError } from '../../src/errors/flowgen-error';

/** Lets every queued microtask (and promise chain) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function drain<T>(ch: Channel<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of ch) out.push(item);
  return out;
}

describe('Channel', () => {
  it('rejects a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new Channel(bad), String(bad)).to.throw(RangeError);
    }
  });

  it('delivers items in send order, across ring-buffer wrap-around', async () => {
    const ch = new Channel<number>(3);
    const got: number[] = [];
    for (let i = 0; i < 10; i++) {
      await ch.send(i);
      if (i % 2 === 1) {
        got.push((await ch.receive()).value as number);
        got.push((await ch.receive()).value as number);
      }
    }
    expect(got).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ch.size).to.equal(0);
  });

  it('resolves send at once while there is room and reports size and capacity', async () => {
    const ch = new Channel<string>(2);
    await ch.send('a');
    await ch.send('b');
    expect(ch.size).to.equal(2);
    expect(ch.capacity).to.equal(2);
    expect(ch.trySend('c')).to.equal(false);
    expect(ch.size).to.equal(2);
  });

  it('hands an item straight to a waiting receiver', async () => {
    const ch = new Channel<number>(1);
    const pending = ch.receive();
    expect(ch.trySend(7)).to.equal(true);
    expect(ch.size).to.equal(0);
    expect(await pending).to.deep.equal({ done: false, value: 7 });
  });

  it('blocks the producer at capacity while a slow consumer lags', async () => {
    const ch = new Channel<number>(4);
    let sent = 0;
    let maxSize = 0;
    const producer = (async () => {
      for (let i = 0; i < 50; i++) {
        await ch.send(i);
        sent++;
        maxSize = Math.max(maxSize, ch.size);
      }
      ch.close();
    })();
    await settle();
    // Nobody consumed yet: 4 buffered, the 5th send is blocked.
    expect(sent).to.equal(4);
    expect(ch.size).to.equal(4);

    const got: number[] = [];
    for await (const n of ch) {
      got.push(n);
      expect(ch.size).to.be.at.most(4);
      await settle(); // slow consumer: the producer refills meanwhile
      expect(sent - got.length).to.be.at.most(4);
    }
    await producer;
    expect(got).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(maxSize).to.equal(4);
  });

  it('serves many waiting senders FIFO', async () => {
    const ch = new Channel<number>(1);
    await ch.send(0);
    const resolvedOrder: number[] = [];
    const sends = [1, 2, 3, 4, 5].map((n) => ch.send(n).then(() => resolvedOrder.push(n)));
    await settle();
    expect(resolvedOrder).to.deep.equal([]);
    const got: number[] = [];
    for (let i = 0; i < 6; i++) got.push((await ch.receive()).value as number);
    await Promise.all(sends);
    expect(got).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(resolvedOrder).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('serves many waiting receivers FIFO', async () => {
    const ch = new Channel<string>(1);
    const receives = [ch.receive(), ch.receive(), ch.receive()];
    await ch.send('a');
    await ch.send('b');
    await ch.send('c');
    expect((await Promise.all(receives)).map((r) => r.value)).to.deep.equal(['a', 'b', 'c']);
  });

  describe('close', () => {
    it('lets receivers drain buffered items, then reports done', async () => {
      const ch = new Channel<number>(4);
      await ch.send(1);
      await ch.send(2);
      ch.close();
      expect(ch.closed).to.equal(true);
      expect(await ch.receive()).to.deep.equal({ done: false, value: 1 });
      expect(await ch.receive()).to.deep.equal({ done: false, value: 2 });
      expect((await ch.receive()).done).to.equal(true);
      expect((await ch.receive()).done).to.equal(true);
    });

    it('still delivers the items of senders that were waiting when it was called', async () => {
      const ch = new Channel<number>(1);
      await ch.send(1);
      const blocked = ch.send(2);
      ch.close();
      expect(await drain(ch)).to.deep.equal([1, 2]);
      await blocked;
    });

    it('wakes waiting receivers with done', async () => {
      const ch = new Channel<number>(1);
      const a = ch.receive();
      const b = ch.receive();
      ch.close();
      expect((await a).done).to.equal(true);
      expect((await b).done).to.equal(true);
    });

    it('rejects a later send with a typed error, and trySend throws it', async () => {
      const ch = new Channel<number>(1);
      ch.close();
      ch.close(); // idempotent
      let caught: unknown;
      try {
        await ch.send(1);
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(ChannelClosedError);
      expect(caught).to.be.instanceOf(FlowgenError);
      expect((caught as FlowgenError).code).to.equal('FLOWGEN_CHANNEL_CLOSED');
      expect(() => ch.trySend(1)).to.throw(ChannelClosedError);
    });

    it('ends a for-await loop that is waiting', async () => {
      const ch = new Channel<number>(2);
      const consumed = drain(ch);
      await ch.send(1);
      await settle();
      ch.close();
      expect(await consumed).to.deep.equal([1]);
    });
  });

  it('tryReceive takes without waiting', async () => {
    const ch = new Channel<number>(2);
    expect(ch.tryReceive()).to.equal(undefined);
    await ch.send(3);
    expect(ch.tryReceive()).to.deep.equal({ done: false, value: 3 });
    ch.close();
    expect(ch.tryReceive()?.done).to.equal(true);
  });

  it('keeps a large backlog of waiting senders cheap and ordered', async () => {
    const ch = new Channel<number>(8);
    const n = 20_000;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < n; i++) sends.push(ch.send(i));
    ch.close();
    const got = await drain(ch);
    await Promise.all(sends);
    expect(got.length).to.equal(n);
    expect(got.every((v, i) => v === i)).to.equal(true);
  });
});

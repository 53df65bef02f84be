import { FlowgenError } from '../errors/flowgen-error';

/**
 * Thrown (as a rejected promise from {@link Channel.send}, or synchronously from
 * {@link Channel.trySend}) when an item is sent to a channel that was closed.
 *
 * @example
 * ```ts
 * ch.close();
 * await ch.send(x); // rejects with ChannelClosedError, code FLOWGEN_CHANNEL_CLOSED
 * ```
 */
export class ChannelClosedError extends FlowgenError {
  constructor() {
    super(
      'FLOWGEN_CHANNEL_CLOSED',
      'Cannot send to a closed channel: the receiving side has finished. Stop producing once close() was called.',
    );
  }
}

interface PendingSend<T> {
  readonly item: T;
  readonly resolve: () => void;
}

type Receiver<T> = (result: IteratorResult<T, undefined>) => void;

/**
 * FIFO queue on an array with a moving head: O(1) push and shift, compacted
 * now and then so the array never grows without bound. Used for the waiters,
 * which only exist under backpressure, so this is off the hot path.
 */
class WaitQueue<W> {
  private items: (W | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(w: W): void {
    this.items.push(w);
  }

  shift(): W | undefined {
    if (this.head >= this.items.length) return undefined;
    const w = this.items[this.head];
    this.items[this.head] = undefined; // let the waiter be collected
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return w;
  }
}

// Shared results: a send that finds room, or a receive on a drained closed
// channel, allocates nothing.
const RESOLVED: Promise<void> = Promise.resolve();
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const DONE_PROMISE: Promise<IteratorReturnResult<undefined>> = Promise.resolve(DONE);

/**
 * A bounded async queue between two tasks. Senders that find it full wait
 * (backpressure), so memory never grows past `capacity` items plus one per
 * blocked sender. Waiting senders and waiting receivers are served FIFO.
 *
 * Closing: {@link Channel.close} forbids new sends; items already buffered, and
 * items of senders that were already waiting when it was called, are still
 * delivered; after them every receive reports `done`.
 *
 * @example
 * ```ts
 * const ch = new Channel<number>(16);
 * void (async () => { for (let i = 0; i < 100; i++) await ch.send(i); ch.close(); })();
 * for await (const n of ch) console.log(n);
 * ```
 */
export class Channel<T> implements AsyncIterable<T> {
  /** How many items the buffer holds before senders have to wait. */
  public readonly capacity: number;

  // Ring buffer: `count` items starting at `head`.
  private readonly buffer: (T | undefined)[];
  private head = 0;
  private count = 0;
  private isClosed = false;
  private readonly senders = new WaitQueue<PendingSend<T>>();
  private readonly receivers = new WaitQueue<Receiver<T>>();

  /**
   * @param capacity - a positive integer: the number of items buffered before
   * `send` waits.
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Channel capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
    this.buffer = new Array<T | undefined>(capacity);
  }

  /** The number of items buffered now (not counting blocked senders). */
  get size(): number {
    return this.count;
  }

  /** Whether {@link Channel.close} was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Sends an item. Resolves at once when there is room (or a receiver is
   * waiting); otherwise resolves once the item is taken into the buffer.
   * Rejects with {@link ChannelClosedError} after {@link Channel.close}.
   */
  send(item: T): Promise<void> {
    if (this.isClosed) return Promise.reject(new ChannelClosedError());
    if (this.offer(item)) return RESOLVED;
    return new Promise<void>((resolve) => {
      this.senders.push({ item, resolve });
    });
  }

  /**
   * Sends an item only if that needs no waiting.
   *
   * @returns true when the item was accepted, false when the channel is full.
   * @throws {@link ChannelClosedError} after {@link Channel.close}.
   */
  trySend(item: T): boolean {
    if (this.isClosed) throw new ChannelClosedError();
    return this.offer(item);
  }

  /**
   * Takes the next item without waiting.
   *
   * @returns the item, `done` when closed and drained, or undefined when empty
   * but still open.
   */
  tryReceive(): IteratorResult<T, undefined> | undefined {
    if (this.count > 0) return { done: false, value: this.take() };
    return this.isClosed ? DONE : undefined;
  }

  /**
   * Takes the next item, waiting while the channel is empty and open.
   * Resolves to `{ done: true }` once the channel is closed and drained.
   */
  receive(): Promise<IteratorResult<T, undefined>> {
    if (this.count > 0) return Promise.resolve({ done: false, value: this.take() });
    if (this.isClosed) return DONE_PROMISE;
    return new Promise((resolve) => {
      this.receivers.push(resolve);
    });
  }

  /**
   * Forbids further sends. Idempotent. Waiting receivers get `done` (they only
   * wait when nothing is buffered, so nothing is lost).
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (let r = this.receivers.shift(); r !== undefined; r = this.receivers.shift()) r(DONE);
  }

  /** Iterates the items until the channel is closed and drained. */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return { next: () => this.receive() };
  }

  /** Hands the item to a waiting receiver or buffers it; false when full. */
  private offer(item: T): boolean {
    const receiver = this.receivers.shift();
    if (receiver !== undefined) {
      receiver({ done: false, value: item });
      return true;
    }
    if (this.count === this.capacity) return false;
    this.buffer[(this.head + this.count) % this.capacity] = item;
    this.count++;
    return true;
  }

  /** Removes the head item (count > 0) and refills from the first blocked sender. */
  private take(): T {
    const item = this.buffer[this.head] as T;
    this.buffer[this.head] = undefined; // no stale reference keeps the item alive
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    const sender = this.senders.shift();
    if (sender !== undefined) {
      this.buffer[(this.head + this.count) % this.capacity] = sender.item;
      this.count++;
      sender.resolve();
    }
    return item;
  }
}

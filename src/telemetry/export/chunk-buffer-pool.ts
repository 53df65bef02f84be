/** Chunks below this get an exact buffer of their own: small copies are cheap. */
const MIN_POOLED = 16 * 1024;

/** Capacities are multiples of this: at most this much is unused per buffer. */
const STEP = 4 * 1024;

/**
 * Reusable shared buffers for sealed chunks. A sealed chunk lives in a
 * `SharedArrayBuffer`, so the export worker thread reads the very bytes the
 * processor keeps (for a resend if the thread dies): no copy to post it, no
 * second copy to keep. Buffers come back when the chunk has its result, so a
 * busy flow allocates none in the steady state; fresh large allocations cost
 * page faults on every use (a 70 KiB copy into new memory measured ~70 µs).
 */
export class ChunkBufferPool {
  private readonly free = new Map<number, Uint8Array[]>();
  private keptBytes = 0;

  /** @param maxKeptBytes - most bytes kept for reuse; more are left to the GC. */
  constructor(private readonly maxKeptBytes = 8 * 1024 * 1024) {}

  /**
   * A buffer of at least `size` bytes (its whole capacity; use a subarray),
   * or `undefined` for a small chunk, which is better off in a buffer of its own.
   */
  acquire(size: number): Uint8Array | undefined {
    if (size < MIN_POOLED) return undefined;
    const capacity = capacityFor(size);
    const reuse = this.free.get(capacity)?.pop();
    if (reuse !== undefined) {
      this.keptBytes -= capacity;
      return reuse;
    }
    return new Uint8Array(new SharedArrayBuffer(capacity));
  }

  /** Gives back the buffer behind `bytes` (a chunk that has its result). */
  release(bytes: Uint8Array): void {
    const buffer = bytes.buffer;
    if (!(buffer instanceof SharedArrayBuffer)) return;
    const capacity = buffer.byteLength;
    if (capacity % STEP !== 0 || this.keptBytes + capacity > this.maxKeptBytes) return;
    let list = this.free.get(capacity);
    if (list === undefined) {
      list = [];
      this.free.set(capacity, list);
    }
    list.push(new Uint8Array(buffer));
    this.keptBytes += capacity;
  }
}

/* Size classes of 4 KiB: chunks of one flow fall in a few, so buffers are reused. */
function capacityFor(size: number): number {
  return Math.ceil(size / STEP) * STEP;
}

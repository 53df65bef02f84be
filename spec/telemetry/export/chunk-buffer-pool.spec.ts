import { expect } from 'chai';
import { ChunkBufferPool } from '../../../src/telemetry/export/chunk-buffer-pool';

describe('telemetry/export: ChunkBufferPool', () => {
  it('hands out shared buffers in 4 KiB classes, none for small chunks', () => {
    const pool = new ChunkBufferPool();
    expect(pool.acquire(10_000), 'a small chunk gets no pooled buffer').to.equal(undefined);
    const big = pool.acquire(70_000)!;
    expect(big.buffer).to.be.instanceOf(SharedArrayBuffer);
    expect(big.byteLength).to.equal(18 * 4 * 1024);
  });

  it('reuses a released buffer for the next chunk of its class, not of another', () => {
    const pool = new ChunkBufferPool();
    const first = pool.acquire(70_000)!;
    pool.release(first.subarray(0, 70_000));
    expect(pool.acquire(100_000)!.buffer, 'another class').to.not.equal(first.buffer);
    expect(pool.acquire(71_000)!.buffer, 'same class').to.equal(first.buffer);
    expect(pool.acquire(71_000)!.buffer, 'taken already').to.not.equal(first.buffer);
  });

  it('keeps at most maxKeptBytes for reuse, and ignores buffers it did not make', () => {
    const pool = new ChunkBufferPool(100 * 1024);
    const a = pool.acquire(70_000)!;
    const b = pool.acquire(70_000)!;
    pool.release(a);
    pool.release(b); // over the bound: left to the GC
    expect(pool.acquire(70_000)!.buffer).to.equal(a.buffer);
    const next = pool.acquire(70_000)!.buffer;
    expect(next).to.not.equal(b.buffer);
    expect(next).to.be.instanceOf(SharedArrayBuffer);
    // a buffer it did not make is never handed out again, even with room to keep it
    const roomy = new ChunkBufferPool();
    const foreign = new Uint8Array(72 * 1024);
    roomy.release(foreign);
    const fresh = roomy.acquire(70_000)!.buffer;
    expect(fresh).to.not.equal(foreign.buffer);
    expect(fresh).to.be.instanceOf(SharedArrayBuffer);
  });
});

import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { ProcessPool, assertBuilt } from '../e2e/support/spawn-worker';
import type { WorkerProcess } from '../e2e/support/spawn-worker';
import type { CraftedSpan } from './crafted-otlp';
import {
  TRACE_EXPORT,
  gzipBomb,
  id,
  sendPrecompressed,
  sendRaw,
  traceRequest,
} from './crafted-otlp';
import { until } from './output-capture';

const MiB = 1024 * 1024;

/** Resident set size of a live process, from /proc (Linux). */
function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

function chain(trace: number, count: number): CraftedSpan[] {
  return Array.from({ length: count }, (_, i) => ({
    traceId: id(16, trace),
    spanId: id(8, i),
    ...(i > 0 ? { parentSpanId: id(8, i - 1) } : {}),
    name: `level-${i}`,
    startNs: 1_000_000n + BigInt(i),
    endNs: 2_000_000n,
  }));
}

function flat(trace: number, from: number, count: number): CraftedSpan[] {
  return Array.from({ length: count }, (_, i) => ({
    traceId: id(16, trace),
    spanId: id(8, from + i),
    name: `endless-${from + i}`,
    startNs: 1n,
    endNs: 2n,
  }));
}

describe('e2e: `flowgen collector` survives hostile requests (real child process)', function () {
  const pool = new ProcessPool();
  before(assertBuilt);
  afterEach(() => pool.killAll());

  async function startCollector(): Promise<{ proc: WorkerProcess; endpoint: string }> {
    // Long idle time: the endless trace must not go idle between its requests on a slow machine.
    const proc = pool.spawn(['collector', '--port', '0', '--trace-idle', '5s'], {
      label: 'flowgen collector',
    });
    let endpoint = '';
    await until(
      () => {
        endpoint = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.stdout())?.[1] ?? '';
        return endpoint !== '' || !proc.running;
      },
      15_000,
      'the collector to listen',
    );
    expect(endpoint, proc.describe()).not.to.equal('');
    return { proc, endpoint };
  }

  it('@slow a 3,000-deep chain, 25 gzip bombs and a 300k-span endless trace: alive, RSS bounded, drops counted exactly', async function () {
    // Generous: the 2-core machine is shared; the bounds asserted are on counts and memory, not time.
    this.timeout(120_000);
    const { proc, endpoint } = await startCollector();
    const baseline = rssMiB(proc.pid);

    // 1. A deep parent chain: printed from the idle timer, the process lives on.
    expect((await sendRaw(endpoint, TRACE_EXPORT, traceRequest(chain(1, 3000)))).code).to.equal(0);
    await until(() => proc.stdout().includes('level-2999'), 20_000, 'the deep trace to print');
    expect(proc.running).to.equal(true);

    // 2. 25 gzip bombs of 60 KiB that would inflate to 60 MiB each: refused at 16 MiB.
    const bomb = gzipBomb(60 * MiB);
    const codes: number[] = [];
    for (let i = 0; i < 25; i++)
      codes.push((await sendPrecompressed(endpoint, TRACE_EXPORT, bomb)).code);
    expect(codes).to.deep.equal(new Array(25).fill(grpc.status.RESOURCE_EXHAUSTED));

    // 3. One trace that never goes idle: 300,000 spans, the same 10,000-span request sent 30 times.
    const request = traceRequest(flat(2, 0, 10_000));
    for (let b = 0; b < 30; b++) {
      expect((await sendRaw(endpoint, TRACE_EXPORT, request)).code).to.equal(0);
    }
    expect(proc.running).to.equal(true);
    const grown = rssMiB(proc.pid) - baseline;
    // Before the limits: +1.5 GB for the bombs, +177 MB for the trace. A generous bound.
    expect(grown, `RSS grew by ${grown.toFixed(0)} MiB`).to.be.below(300);

    proc.signal('SIGTERM');
    const exit = await proc.waitForExit(15_000);
    expect(exit.code, proc.describe()).to.equal(0);
    const out = proc.stdout();
    expect(out).to.contain(
      `⚠ 290000 more span(s) of trace ${id(16, 2).toString('hex')} dropped: over 10000 spans per trace`,
    );
    expect(out).to.match(/received 303000 span\(s\) and 0 metric point\(s\) in 31 request\(s\)/);
    expect(out).to.match(/dropped 290000 span\(s\) over the per-trace limit/);
    expect(out).to.match(/refused 25 request\(s\) over the size limit and 0 malformed/);
  });

  it('SIGHUP stops it like SIGTERM: its summary printed, exit 0 (the bin owns the stop signals)', async function () {
    this.timeout(30_000);
    const { proc } = await startCollector();
    proc.signal('SIGHUP');
    const exit = await proc.waitForExit(15_000);
    expect(exit, proc.describe()).to.include({ code: 0, signal: null });
    expect(proc.stdout()).to.match(/received 0 span\(s\) and 0 metric point\(s\)/);
  });
});

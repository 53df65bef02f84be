/*
 * Three (and two) real worker processes share one leased `generate` source
 * through a real nats-server's KV bucket: one tenure at a time, failover
 * after SIGKILL within TTL + poll + 1 s, handover on SIGTERM under 1 s, and a
 * holder paused past its TTL (SIGSTOP) emits nothing once resumed.
 */
import { expect } from 'chai';
import type { ReceivedSpan } from '../../src/collector/received-types';
import type { OtlpReceiver } from '../../src/collector/otlp-receiver';
import { natsServerPerFile } from './support/nats-server';
import { processScene } from './support/process-scene';
import type { LogLine, WorkerProcess } from './support/spawn-worker';

const TTL_MS = 3_000;
const POLL_MS = 1_000;

/** Nanoseconds since the epoch (bigint) to milliseconds. */
const ms = (nanos: bigint): number => Number(nanos / 1_000_000n);

const acquired = (l: LogLine): boolean => l.msg === 'lease acquired';
const released = (l: LogLine): boolean => l.msg === 'lease released';

describe('e2e: leased sources across worker processes (NATS KV)', () => {
  const scene = processScene('flowgen-e2e-nats-lease-');
  const nats = natsServerPerFile();
  let bucketNo = 0;

  /** Starts `names` workers running one endless generate -> log flow under leases. */
  function startWorkers(receiver: OtlpReceiver, names: string[]): WorkerProcess[] {
    const bucket = `lease_e2e_${++bucketNo}`;
    const flow = scene.dir.write(
      'ticks.yaml',
      `flow:
  name: beat
  tasks:
    - generate: { name: ticks, interval: 100ms }
    - log: { name: out }
`,
    );
    return names.map((name) => {
      // Spans leave every 200ms, so a killed worker's ended spans reach the receiver.
      const config = scene.dir.write(
        `${name}.yaml`,
        `telemetry:
  enabled: true
  otlp_endpoint: '${receiver.endpoint}'
  service_name: ${name}
  batch: { scheduled_delay: 200ms }
coordination:
  url: ${nats().url}
  bucket: ${bucket}
  lease_ttl: ${TTL_MS}ms
  renew_interval: 1s
shutdown_timeout: 5s
`,
      );
      return scene.pool.spawn(['run', flow, '--config', config], { label: name });
    });
  }

  /** The worker that logs `lease acquired` first (after `after` lines of it), and that line. */
  async function nextHolder(
    workers: WorkerProcess[],
    timeoutMs: number,
  ): Promise<{ holder: WorkerProcess; line: LogLine }> {
    return Promise.any(
      workers.map(async (w) => ({
        holder: w,
        line: await w.waitForLog(acquired, timeoutMs, `${w.label} acquiring the lease`),
      })),
    );
  }

  const ticks = (spans: readonly ReceivedSpan[], service: string, name = 'task.handle') =>
    spans.filter(
      (s) =>
        s.name === name && s.attributes.task === 'ticks' && s.resource['service.name'] === service,
    );

  it('@slow (a, b, c) one tenure at a time; SIGKILL fails over within TTL + poll + 1 s with a higher revision and no overlap; SIGTERM hands over under 1 s', async function () {
    this.timeout(90_000);
    const receiver = await scene.startReceiver();
    const workers = startWorkers(receiver, ['w1', 'w2', 'w3']);
    const first = await nextHolder(workers, 20_000);
    // (a) a few renewals later, still one holder.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const holders = workers.filter((w) => w.logLines().some(acquired));
    expect(
      holders.map((w) => w.label),
      '(a) one holder',
    ).to.deep.equal([first.holder.label]);

    // (b) SIGKILL the holder.
    const others = workers.filter((w) => w !== first.holder);
    const killedAt = Date.now();
    first.holder.signal('SIGKILL');
    const second = await nextHolder(others, 20_000);
    const failoverMs = Date.now() - killedAt;
    expect(failoverMs, '(b) failover within TTL + poll + 1 s').to.be.below(
      TTL_MS + POLL_MS + 1_000,
    );
    expect(second.line.revision as number).to.be.greaterThan(first.line.revision as number);

    // (c) SIGTERM the new holder: the last worker takes over at once.
    const last = others.find((w) => w !== second.holder)!;
    await second.holder.waitForLogCount((l) => l.msg === 'event' && l.task === 'out', 3, 10_000);
    second.holder.signal('SIGTERM');
    const third = await last.waitForLog(acquired, 10_000, 'the last worker acquiring');
    const releasedLine = await second.holder.waitForLog(released, 5_000, 'release on SIGTERM');
    const handoverMs = (third.time as number) - (releasedLine.time as number);
    expect(handoverMs, '(c) handover after release').to.be.below(1_000);
    expect(third.revision as number).to.be.greaterThan(second.line.revision as number);
    expect(await second.holder.waitForExit(10_000), second.holder.describe()).to.include({
      code: 0,
    });
    await last.waitForLogCount((l) => l.msg === 'event' && l.task === 'out', 2, 10_000);
    last.signal('SIGTERM');
    expect(await last.waitForExit(10_000), last.describe()).to.include({ code: 0 });

    const spans = await receiver.waitForSpans(
      (all) => all.filter((s) => s.name === 'task_manager.shutdown').length === 2,
      10_000,
    );
    // Each worker's handle spans of the source lie inside its own tenure, one after the other.
    const order = [first.holder.label, second.holder.label, last.label];
    const windows = order.map((name) => {
      const own = ticks(spans, name);
      expect(own.length, `${name} emitted while it held the lease`).to.be.greaterThan(0);
      return {
        name,
        start: Math.min(...own.map((s) => ms(s.startTimeUnixNano))),
        end: Math.max(...own.map((s) => ms(s.endTimeUnixNano))),
      };
    });
    for (let i = 1; i < windows.length; i++) {
      expect(
        windows[i]!.start,
        `${windows[i]!.name} starts after ${windows[i - 1]!.name} ends`,
      ).to.be.greaterThan(windows[i - 1]!.end);
    }
    // The survivors' tenures are one task.run each, with the lease attributes.
    for (const [worker, line] of [
      [second.holder, second.line],
      [last, third],
    ] as const) {
      const runs = ticks(spans, worker.label, 'task.run');
      expect(runs, `${worker.label}: one task.run for its one tenure`).to.have.length(1);
      expect(runs[0]!.attributes).to.deep.include({
        'flowgen.lease.key': 'beat.ticks',
        'flowgen.lease.holder': line.holder,
        'flowgen.lease.revision': line.revision,
      });
    }
  });

  it('@slow (d) a holder stopped past its TTL (SIGSTOP) emits nothing once resumed (SIGCONT)', async function () {
    this.timeout(60_000);
    const receiver = await scene.startReceiver();
    const workers = startWorkers(receiver, ['p1', 'p2']);
    const first = await nextHolder(workers, 20_000);
    const other = workers.find((w) => w !== first.holder)!;
    await first.holder.waitForLogCount((l) => l.msg === 'event' && l.task === 'out', 3, 10_000);
    first.holder.signal('SIGSTOP');
    const stoppedAt = Date.now();
    await other.waitForLog(acquired, 20_000, 'the other worker taking over');
    first.holder.signal('SIGCONT');
    const lost = await first.holder.waitForLog(
      (l) => l.msg === 'lease lost; tenure ends',
      10_000,
      'the resumed holder ending its tenure',
    );
    expect(lost.reason).to.be.oneOf(['deadline', 'lost']);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const w of workers) w.signal('SIGTERM');
    for (const w of workers)
      expect(await w.waitForExit(10_000), w.describe()).to.include({ code: 0 });

    // Nothing from the resumed holder after the pause began.
    const outLines = first.holder.logLines().filter((l) => l.msg === 'event' && l.task === 'out');
    expect(outLines.length).to.be.greaterThan(0);
    for (const line of outLines) expect(line.time as number).to.be.at.most(stoppedAt);
    const spans = await receiver.waitForSpans(
      (all) => all.filter((s) => s.name === 'task_manager.shutdown').length === 2,
      10_000,
    );
    const late = ticks(spans, first.holder.label).filter(
      (s) => ms(s.startTimeUnixNano) > stoppedAt,
    );
    expect(late, 'no source span of the resumed holder').to.have.length(0);
  });
});

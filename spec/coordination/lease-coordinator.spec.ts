/*
 * Leases on a real nats-server's KV: one holder at a time, handover on
 * release, higher revisions per tenure, a lease lost to a revision check,
 * a holder past its local deadline admitting nothing, and bad settings
 * refused before start.
 */
import { expect } from 'chai';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { ConfigError } from '../../src/config/config-error';
import { loadWorkerConfig } from '../../src/config/worker-config';
import type { CoordinationConfig } from '../../src/config/coordination-config';
import { connectNats } from '../../src/connectors/nats-client';
import { LeaseBucketError } from '../../src/coordination/coordination-error';
import { LeaseCoordinator } from '../../src/coordination/lease-coordinator';
import type { Tenure } from '../../src/coordination/tenure';
import { ATTR_LEASE_HOLDER, ATTR_LEASE_REVISION } from '../../src/coordination/tenure';
import { createLogger } from '../../src/telemetry/logger';
import { NatsConnectError } from '../../src/connectors/nats-errors';
import { parseFlow } from '../../src/runtime/flow-loader';
import { runFlow } from '../../src/run-flow';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { natsServerPerFile } from '../e2e/support/nats-server';
import { freePort } from '../e2e/support/spawn-worker';
import { until } from '../support/until';

const quiet = createLogger({ level: 'silent' });

/** Blocks the whole event loop for `ms` (a paused process, as SIGSTOP would). */
function freeze(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('coordination: LeaseCoordinator (real nats-server KV)', () => {
  const server = natsServerPerFile();
  let bucketNo = 0;
  let bucket = '';
  const open: LeaseCoordinator[] = [];
  beforeEach(() => {
    bucket = `leases_${++bucketNo}`;
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
  });

  function config(extra: Record<string, unknown> = {}): CoordinationConfig {
    const worker = loadWorkerConfig({
      coordination: {
        url: server().url,
        bucket,
        lease_ttl: '2s',
        renew_interval: '500ms',
        ...extra,
      },
    });
    return worker.coordination!;
  }

  async function coordinator(extra: Record<string, unknown> = {}): Promise<LeaseCoordinator> {
    const c = await LeaseCoordinator.open(config(extra), 'flow', quiet);
    open.push(c);
    return c;
  }

  it('lets one worker hold a source at a time; a release hands over at once with a higher revision', async () => {
    const [a, b] = [await coordinator(), await coordinator()];
    const stopA = new AbortController();
    const stopB = new AbortController();
    const tenures: { who: string; revision: number; start: number; end?: number }[] = [];
    const hold = (who: string) => async (tenure: Tenure) => {
      const entry = {
        who,
        revision: tenure.attributes[ATTR_LEASE_REVISION] as number,
        start: Date.now(),
      } as { who: string; revision: number; start: number; end?: number };
      tenures.push(entry);
      await new Promise<void>((resolve) =>
        tenure.signal.addEventListener('abort', () => resolve()),
      );
      entry.end = Date.now();
    };
    const runA = a.runTenures('ticks', hold('a'), stopA.signal);
    await until(() => tenures.length === 1);
    const runB = b.runTenures('ticks', hold('b'), stopB.signal);
    // b waits through several renewals of a's lease.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(tenures.map((t) => t.who)).to.deep.equal(['a']);

    const stoppedAt = Date.now();
    stopA.abort();
    await runA;
    await until(() => tenures.length === 2);
    const [first, second] = tenures;
    expect(second!.who).to.equal('b');
    expect(second!.start - stoppedAt, 'handover on release').to.be.below(1_000);
    expect(second!.revision).to.be.greaterThan(first!.revision);
    expect(first!.end).to.be.at.most(second!.start);
    stopB.abort();
    await runB;
  });

  it('ends the tenure when a renewal finds another revision (someone else took the key)', async () => {
    const c = await coordinator();
    const stop = new AbortController();
    let ended: number | undefined;
    const run = c.runTenures(
      'ticks',
      async (tenure) => {
        // Someone else writes the key: the next revision-checked renewal fails.
        const nc: NatsConnection = await connectNats({ servers: server().url });
        const kv = await new Kvm(nc).open(bucket);
        await kv.put('flow.ticks', JSON.stringify({ holder: 'intruder' }));
        await nc.close();
        await new Promise<void>((resolve) =>
          tenure.signal.addEventListener('abort', () => resolve()),
        );
        ended = Date.now();
        stop.abort();
      },
      stop.signal,
    );
    const started = Date.now();
    await run;
    expect(ended! - started, 'lost at the next renewal').to.be.below(2_000);
  });

  it('admits nothing once the local deadline passed, even before any timer ran (a paused holder)', async () => {
    const c = await coordinator();
    const stop = new AbortController();
    let afterPause: boolean | undefined;
    let holder: unknown;
    await c.runTenures(
      'ticks',
      (tenure) => {
        holder = tenure.attributes[ATTR_LEASE_HOLDER];
        expect(tenure.admit()).to.equal(true);
        freeze(2_200); // past lease_ttl: no renewal could run
        afterPause = tenure.admit();
        expect(tenure.signal.aborted).to.equal(true);
        stop.abort();
        return Promise.resolve();
      },
      stop.signal,
    );
    expect(afterPause).to.equal(false);
    expect(holder).to.equal(c.holder);
  });

  it('refuses a bucket that exists with another TTL, naming both', async () => {
    await coordinator();
    const error = await coordinator({ lease_ttl: '3s' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LeaseBucketError);
    expect(String(error)).to.match(/TTL of 2000 ms but lease_ttl is 3000 ms/);
  });

  it('rejects renew_interval >= lease_ttl and a lease_ttl under 1s in the worker config', () => {
    const error = (() => {
      try {
        loadWorkerConfig({
          coordination: { url: 'nats://127.0.0.1:4222', lease_ttl: '500ms', renew_interval: '5s' },
        });
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).to.be.instanceOf(ConfigError);
    expect(String(error)).to.match(/coordination\.renew_interval.*shorter than lease_ttl/);
    expect(String(error)).to.match(/coordination\.lease_ttl.*at least 1s/);
  });
});

describe('coordination: a worker whose coordination server is unreachable', () => {
  it('fails before any task runs, naming coordination.url and the fix', async () => {
    const kit = TestTelemetry.create();
    try {
      const error = await runFlow({
        flow: parseFlow(
          'flow:\n  name: f\n  tasks:\n    - generate: { name: ticks, count: 1 }\n',
          'f.yaml',
        ),
        worker: loadWorkerConfig({
          coordination: { url: `nats://127.0.0.1:${await freePort()}` },
        }),
        container: kit.container,
        telemetry: kit.handle,
      }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(NatsConnectError);
      expect(String(error)).to.match(
        /^NatsConnectError: coordination\.url: cannot connect to NATS/,
      );
      expect(kit.spans('task.run')).to.have.length(0);
    } finally {
      await kit.shutdown();
    }
  });
});

/*
 * samples/scale-out: the worker config validates, and the publisher and
 * consumer flows run for real against a nats-server (their URL pointed at
 * the spec's server), one trace per order across the two flows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadWorkerConfig, loadWorkerConfigFile } from '../../src/config/worker-config';
import { parseFlow } from '../../src/runtime/flow-loader';
import { runFlow } from '../../src/run-flow';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { natsServerPerFile } from './support/nats-server';
import { REPO_ROOT } from './support/spawn-worker';
import { until } from '../support/until';

const SAMPLE = join(REPO_ROOT, 'samples', 'scale-out');

describe('samples/scale-out (real nats-server)', () => {
  const server = natsServerPerFile();

  it('worker.yaml validates with leases of 15s renewed every 5s', () => {
    const worker = loadWorkerConfigFile(join(SAMPLE, 'worker.yaml'));
    expect(worker.coordination?.leaseTtlMs).to.equal(15_000);
    expect(worker.coordination?.renewIntervalMs).to.equal(5_000);
    expect(worker.telemetry?.enabled).to.equal(true);
  });

  it('publisher.yaml -> consumer.yaml: orders cross the stream, one trace each', async function () {
    this.timeout(30_000);
    const flow = (name: string) =>
      parseFlow(
        readFileSync(join(SAMPLE, name), 'utf8').replace(
          /nats:\/\/127\.0\.0\.1:4222/g,
          server().url,
        ),
        name,
      );
    const kit = TestTelemetry.create();
    const stopPublisher = new AbortController();
    const stopConsumer = new AbortController();
    try {
      const worker = loadWorkerConfig({});
      const run = (name: string, signal: AbortSignal) =>
        runFlow({
          flow: flow(name),
          worker,
          container: kit.container,
          telemetry: kit.handle,
          signal,
        });
      const publishing = run('publisher.yaml', stopPublisher.signal);
      // The publisher creates the stream on start; the consumer needs it.
      await until(() => kit.spans('task.handle').some((s) => s.attributes.task === 'publish'));
      const consuming = run('consumer.yaml', stopConsumer.signal);
      await until(
        () => kit.spans('task.handle').filter((s) => s.attributes.task === 'out').length >= 2,
      );
      stopPublisher.abort();
      stopConsumer.abort();
      await Promise.all([publishing, consuming]);
    } finally {
      await kit.shutdown();
    }
    const handles = kit.spans('task.handle');
    const outs = handles.filter((s) => s.attributes.task === 'out');
    for (const out of outs) {
      const trace = handles.filter((s) => s.spanContext().traceId === out.spanContext().traceId);
      expect(trace.map((s) => s.attributes.task).sort()).to.deep.equal([
        'enrich',
        'orders',
        'orders_in',
        'out',
        'publish',
      ]);
    }
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { expect } from 'chai';
import { parse } from 'yaml';
import { loadWorkerConfig, loadWorkerConfigFile } from '../../src/config/worker-config';
import { FlowEvent } from '../../src/runtime/event';
import { loadFlowFile } from '../../src/runtime/flow-loader';
import { runFlow } from '../../src/run-flow';
import { bindTask } from '../../src/telemetry/task-binding';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { InventoryCheckTask } from '../../samples/connectors/inventory-check.task';
import { PriceLookupTask } from '../../samples/connectors/price-lookup.task';

const SAMPLES = join(__dirname, '..', '..', 'samples');

describe('samples', () => {
  let kit: TestTelemetry;
  beforeEach(() => {
    kit = TestTelemetry.create();
  });
  afterEach(() => kit.shutdown());

  it('inventory_check puts its query handle and byte count on its task.handle span', () => {
    const task = bindTask(kit.container.resolve(InventoryCheckTask), { name: 'inv', id: 4 });
    const event = FlowEvent.create({ n: 7 });
    expect(task.reserve(event)).to.deep.equal({ n: 7, reserved: true });
    const span = kit.span('task.handle');
    expect(span.attributes).to.deep.include({
      task: 'inv',
      task_id: 4,
      task_type: 'inventory_check',
      'inventory.query_handle': 'inv-q-1',
      'inventory.remaining': 99,
      'inventory.bytes': event.size,
    });
  });

  it('the demo flow: order 2 retried once, order 4 failed for good, every order one trace', async () => {
    const result = await runFlow({
      flow: loadFlowFile(join(SAMPLES, 'flows', 'demo.yaml')),
      worker: loadWorkerConfig({
        retry: { max_attempts: 3, initial_backoff: '1ms', max_backoff: '2ms' },
      }),
      container: kit.container,
      telemetry: kit.handle,
      taskClasses: [PriceLookupTask],
    });
    expect(result.stats['price']).to.deep.equal({ processed: 6, failed: 1, emitted: 5 });
    expect(result.stats['out']?.processed).to.equal(5);
    const prices = kit.spans('task.handle').filter((s) => s.attributes.task === 'price');
    const failed = prices.filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(failed).to.have.length(1);
    expect(failed[0]?.status.message).to.equal('price service rejected order 4');
    const retried = prices.filter((s) => s.attributes['flowgen.attempts'] === 2);
    expect(retried).to.have.length(1);
    expect(retried[0]?.attributes['price.request_id']).to.equal('req-2-2');
    const lookups = kit.spans('price.cache_lookup');
    expect(lookups).to.have.length(6 + 1 + 2); // one per attempt
    expect(await kit.metricValue('task.handle.errors', { task: 'price' })).to.equal(1);
    expect(await kit.metricValue('task.handle.count', { task: 'price' })).to.equal(6);
    const roots = kit.spans('task.handle').filter((s) => s.attributes.task === 'orders');
    expect(new Set(roots.map((s) => s.spanContext().traceId)).size).to.equal(6);
  });

  it('ships valid worker configs and flows', () => {
    const worker = loadWorkerConfigFile(join(SAMPLES, 'worker.yaml'));
    expect(worker.telemetry?.service_name).to.equal('flowgen-dev');
    const forCollector = loadWorkerConfigFile(join(SAMPLES, 'otel-collector', 'worker.yaml'));
    expect(forCollector.telemetry?.endpoint.url).to.equal('http://localhost:4317');
    expect(
      loadFlowFile(join(SAMPLES, 'flows', 'orders.yaml')).tasks.map((t) => t.type),
    ).to.deep.equal(['generate', 'script', 'log']);
  });

  it('ships a collector setup with an OTLP/gRPC receiver on 4317 and the debug exporter', () => {
    const dir = join(SAMPLES, 'otel-collector');
    const compose = parse(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'));
    expect(compose.services['otel-collector'].ports).to.include('4317:4317');
    const config = parse(readFileSync(join(dir, 'otel-config.yaml'), 'utf8'));
    expect(config.receivers.otlp.protocols.grpc.endpoint).to.equal('0.0.0.0:4317');
    expect(config.service.pipelines.traces.exporters).to.deep.equal(['debug']);
    expect(config.service.pipelines.metrics.exporters).to.deep.equal(['debug']);
  });
});

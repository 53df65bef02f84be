/**
 * `npm start`: runs the sample flow with telemetry on, exported over
 * OTLP/gRPC to a local receiver started for it, then shows what the receiver
 * got: every trace as a tree and the metric points as a table.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { loadWorkerConfig, runFlow } from '../../src';
import { OtlpReceiver, renderMetrics, renderTraces } from '../../src/collector';
import { PriceLookupTask } from '../connectors/price-lookup.task';

const FLOW = join(__dirname, '..', '..', '..', 'samples', 'flows', 'demo.yaml');

async function main(): Promise<void> {
  const out = process.stdout;
  const receiver = await OtlpReceiver.start({ port: 0 });
  out.write(`1. Started a local OTLP/gRPC receiver on ${receiver.endpoint}\n`);
  const worker = loadWorkerConfig({
    telemetry: {
      enabled: true,
      otlp_endpoint: receiver.endpoint,
      service_name: 'flowgen-demo',
      metrics_export_interval: '500ms',
      batch: { scheduled_delay: '200ms' },
    },
    retry: { max_attempts: 3, initial_backoff: '20ms', max_backoff: '100ms' },
  });
  out.write(
    `2. Running flow ${FLOW}\n   (logs go to stderr, with the trace and span ids of each line)\n\n`,
  );
  const result = await runFlow({ flow: FLOW, worker, taskClasses: [PriceLookupTask] });
  const spans = receiver.spans();
  const points = receiver.metricPoints();
  out.write(
    `\n3. Flow "${result.flow}" finished: ${JSON.stringify(result.stats)}\n` +
      `   The receiver got ${spans.length} spans in ${receiver.exportCalls().filter((c) => c.service === 'traces').length} export calls, ` +
      `and ${points.length} metric points, all with service.name=${JSON.stringify(spans[0]?.resource['service.name'])}.\n\n`,
  );
  out.write('Traces: the worker spans, one task.run per task, then one trace per order:\n\n');
  out.write(`${renderTraces(spans, { color: out.isTTY === true })}\n\n`);
  out.write('Metrics derived from the spans (latest export):\n\n');
  out.write(`${renderMetrics(points)}\n`);
  await receiver.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});

/*
 * Child process of the http_endpoint load spec: an http_endpoint (through the
 * connector harness, with the real @Handler and a test telemetry kit) whose
 * downstream is slow (each event is held `HOLD_MS`). It tells its parent over
 * IPC the port, then, when asked, its peak RSS growth (sampled every 20 ms)
 * and the task's stats. Own process, so its RSS is the endpoint's alone.
 */
import 'reflect-metadata';
import type { HttpEndpointConfig } from '../../src/connectors/http-endpoint-config';
import { HttpEndpointTask } from '../../src/connectors/http-endpoint.task';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { startTask } from './task-harness';

/** Messages from this child. */
export type LoadChildMessage =
  | { type: 'ready'; port: number; baselineRss: number }
  | {
      type: 'report';
      peakRssGrowth: number;
      stats: HttpEndpointTask['stats'];
    };

const HOLD_MS = Number(process.env['HOLD_MS'] ?? 2000);
const config = JSON.parse(process.env['ENDPOINT_CONFIG'] ?? '{}') as Record<string, unknown>;

async function main(): Promise<void> {
  const kit = TestTelemetry.create();
  const h = await startTask<HttpEndpointTask, HttpEndpointConfig>(kit, HttpEndpointTask, {
    name: 'load-in',
    config: { port: 0, path: '/in', ...config },
    push: async (event, next) => {
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
      return next(event);
    },
  });
  void h.run();
  global.gc?.();
  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'report') return;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const report: LoadChildMessage = {
      type: 'report',
      peakRssGrowth: peakRss - baselineRss,
      stats: h.task.stats,
    };
    process.send?.(report, undefined, undefined, () => {
      clearInterval(sampler);
      process.exit(0);
    });
  });
  const ready: LoadChildMessage = { type: 'ready', port: h.task.port, baselineRss };
  process.send?.(ready);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

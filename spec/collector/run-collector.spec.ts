import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { expect } from 'chai';
import { runCollector } from '../../src/collector/run-collector';
import type { RunningCollector } from '../../src/collector/run-collector';
import { metricsTo, tracingTo } from './otel-pipeline';
import { capture, until } from './output-capture';

describe('collector/run-collector runCollector', () => {
  let dir: string;
  let collector: RunningCollector | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgen-run-collector-'));
  });

  afterEach(async () => {
    await collector?.close();
    collector = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints a trace tree once the trace is idle, a metrics table per export, and writes JSONL', async () => {
    const { out, text } = capture();
    const jsonl = path.join(dir, 'telemetry.jsonl');
    collector = await runCollector({ port: 0, jsonl, out, traceIdleMs: 300 });
    const { receiver } = collector;
    expect(text()).to.contain(
      `flowgen collector: OTLP/gRPC traces and metrics on ${receiver.endpoint}`,
    );

    const tracing = tracingTo(receiver).provider;
    const metrics = metricsTo(receiver);
    try {
      const tracer = tracing.getTracer('t');
      const root = tracer.startSpan('task.run', {
        attributes: { task: 'a', task_id: 0, task_type: 'echo' },
      });
      tracer.startSpan('task.handle', {}, trace.setSpan(context.active(), root)).end();
      // The child arrives in a batch of its own: the tree must still wait for the root.
      await tracing.forceFlush();
      await receiver.waitForSpans(1, 3000);
      expect(text()).not.to.contain('task.handle');
      root.end();
      await tracing.forceFlush();
      await until(() => text().includes('task.run task=a task_id=0 task_type=echo'), 3000);
      const tree = text().slice(text().indexOf('trace '));
      expect(tree).to.match(/task\.run task=a task_id=0 task_type=echo.*\n└─ task\.handle/);

      metrics.getMeter('m').createCounter('task.run.count').add(2, { task: 'a' });
      await metrics.forceFlush();
      await until(() => text().includes('metrics @ '), 3000);
      expect(text()).to.match(/task\.run\.count +task=a +counter +2/);
    } finally {
      await tracing.shutdown();
      await metrics.shutdown();
    }

    const kinds = fs
      .readFileSync(jsonl, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { kind: string }).kind);
    // Shutting the meter provider down exports once more: at least one metric line.
    expect(kinds.slice(0, 3)).to.deep.equal(['span', 'span', 'metric']);
    expect(new Set(kinds.slice(2))).to.deep.equal(new Set(['metric']));
  });

  it('prints traces still pending when closed', async () => {
    const { out, text } = capture();
    collector = await runCollector({ port: 0, out, traceIdleMs: 60_000 });
    const tracing = tracingTo(collector.receiver).provider;
    tracing.getTracer('t').startSpan('unfinished.wait').end();
    await tracing.forceFlush();
    await tracing.shutdown();
    await collector.receiver.waitForSpans(1, 3000);
    expect(text()).not.to.contain('unfinished.wait');
    await collector.close();
    expect(text()).to.contain('unfinished.wait');
  });
});

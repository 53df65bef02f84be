import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { expect } from 'chai';
import { IsInt, Min } from 'class-validator';
import { ConfigError } from '../../../src/config/config-error';
import { Handler } from '../../../src/decorators/handler.decorator';
import { Task } from '../../../src/decorators/task.decorator';
import { FlowEvent } from '../../../src/runtime/event';
import { parseFlow } from '../../../src/runtime/flow-loader';
import type { TaskContext } from '../../../src/runtime/task-context';
import { traceChild } from '../../../src/telemetry/task-spans';
import { TestTelemetry } from '../../../src/telemetry/testing/test-telemetry';

class StockConfig {
  @IsInt()
  @Min(0)
  stock: number = 100;
}

@Task({ type: 'kit_stock', config: StockConfig })
class StockTask {
  @Handler()
  async reserve(event: FlowEvent<{ sku: string; qty: number }>, ctx: TaskContext<StockConfig>) {
    const left = await traceChild(
      this,
      'stock.query',
      async () => ctx.config.stock - event.data.qty,
    );
    if (left < 0) throw new Error(`only ${ctx.config.stock} of ${event.data.sku} in stock`);
    ctx.logger.info({ left }, 'reserved');
    return { ...event.data, left, task: ctx.name };
  }
}

describe('TestTelemetry (the test kit)', () => {
  let kit: TestTelemetry;
  beforeEach(() => (kit = TestTelemetry.create()));
  afterEach(() => kit.shutdown());

  describe('task(): a bound instance and a real context', () => {
    it('validates the config, fills defaults, and the handler reads ctx.config', async () => {
      const { task, ctx } = kit.task<StockTask, StockConfig>(StockTask, {
        name: 'inv',
        id: 2,
        config: { stock: 5 },
      });
      expect(ctx).to.include({ name: 'inv', id: 2, type: 'kit_stock' });
      expect(ctx.config).to.be.instanceOf(StockConfig);
      expect(ctx.config.stock).to.equal(5);
      expect(ctx.signal.aborted).to.equal(false);
      const out = await task.reserve(FlowEvent.create({ sku: 'A-1', qty: 2 }), ctx);
      expect(out).to.deep.equal({ sku: 'A-1', qty: 2, left: 3, task: 'inv' });
      const span = kit.span('task.handle');
      expect(span.attributes).to.deep.equal({
        task: 'inv',
        task_id: 2,
        task_type: 'kit_stock',
        'flowgen.attempts': 1,
      });

      const defaults = kit.task<StockTask, StockConfig>(StockTask);
      expect(defaults.ctx.config.stock).to.equal(100);
      expect(defaults.ctx.name).to.equal('kit_stock');
    });

    it('rejects a bad config as a flow would: field, value, what is allowed', () => {
      let error: unknown;
      try {
        kit.task(StockTask, { name: 'inv', config: { stock: -1, stok: 3 } });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).to.contain('flow.tasks[0].kit_stock.stock');
      expect(message).to.contain('flow.tasks[0].kit_stock.stok');
      expect(message).to.contain('did you mean "stock"');
    });

    it('ctx.push runs the handler once and resolves with what it emitted', async () => {
      const { ctx } = kit.task<StockTask, StockConfig>(StockTask, {
        name: 'inv',
        config: { stock: 1 },
      });
      const out = await ctx.push(FlowEvent.create({ sku: 'B', qty: 1 }));
      expect(out.map((e) => e.data)).to.deep.equal([{ sku: 'B', qty: 1, left: 0, task: 'inv' }]);
      let error: unknown;
      await ctx.push(FlowEvent.create({ sku: 'B', qty: 2 })).catch((e: unknown) => (error = e));
      expect((error as Error).message).to.equal('only 1 of B in stock');
      expect(kit.spans('task.handle').map((s) => s.status.code)).to.deep.equal([
        SpanStatusCode.UNSET,
        SpanStatusCode.ERROR,
      ]);
    });

    it('aborts the contexts signal on shutdown', async () => {
      const { ctx } = kit.task(StockTask);
      await kit.shutdown();
      expect(ctx.signal.aborted).to.equal(true);
      kit = TestTelemetry.create();
    });
  });

  describe('parentOf / childrenOf', () => {
    it('walk the tree of finished spans by ids', async () => {
      const { task, ctx } = kit.task<StockTask, StockConfig>(StockTask, { name: 'inv' });
      await task.reserve(FlowEvent.create({ sku: 'A', qty: 1 }), ctx);
      const handle = kit.span('task.handle');
      const query = kit.span('stock.query');
      expect(kit.parentOf(query)).to.equal(handle);
      expect(kit.parentOf(handle)).to.equal(undefined);
      expect(kit.childrenOf(handle)).to.deep.equal([query]);
      expect(kit.childrenOf(handle, 'other')).to.deep.equal([]);
      expect(kit.childrenOf(query)).to.deep.equal([]);
    });
  });

  describe('histograms', () => {
    it('histogram() gives count, sum and buckets; metricValue() refuses a histogram', async () => {
      const { task, ctx } = kit.task<StockTask, StockConfig>(StockTask, { name: 'inv' });
      for (const qty of [1, 2, 3]) await task.reserve(FlowEvent.create({ sku: 'A', qty }), ctx);
      const h = await kit.histogram('task.handle.duration', { task: 'inv' });
      expect(h.count).to.equal(3);
      expect(h.counts.reduce((a, b) => a + b, 0)).to.equal(3);
      expect(h.counts).to.have.length(h.boundaries.length + 1);
      // three recordings: the sum lies between 3 x the smallest and 3 x the largest
      expect(h.sum).to.be.greaterThan(0);
      expect(h.sum).to.be.within(3 * h.min, 3 * h.max);
      expect(h.max).to.be.at.least(h.min);
      let error: unknown;
      await kit.metricValue('task.handle.duration').catch((e: unknown) => (error = e));
      expect((error as Error).message).to.contain("use kit.histogram('task.handle.duration')");
      expect(await kit.metricValue('task.handle.count', { task: 'inv' })).to.equal(3);
      let wrongKind: unknown;
      await kit.histogram('task.handle.count').catch((e: unknown) => (wrongKind = e));
      expect((wrongKind as Error).message).to.contain('is a sum, not a histogram');
      // a missing series is an error naming what there is, never a count of 0
      let missing: unknown;
      await kit.histogram('nothing.duration').catch((e: unknown) => (missing = e));
      expect((missing as Error).message).to.equal(
        'no nothing.duration series with {}; no nothing.duration series at all.',
      );
      let wrongTask: unknown;
      await kit
        .metricValue('task.handle.count', { task: 'nope' })
        .catch((e: unknown) => (wrongTask = e));
      expect((wrongTask as Error).message).to.contain(
        'no task.handle.count series with {"task":"nope"}; there are: {"task":"inv"',
      );
    });
  });

  describe('runFlow()', () => {
    it('runs a flow through the kit with the users task type', async () => {
      const result = await kit.runFlow({
        flow: parseFlow(
          `
flow:
  name: kit-flow
  tasks:
    - generate: { name: src, interval: 1ms, count: 2, payload: { sku: A, qty: 1 } }
    - kit_stock: { name: inv, stock: 7 }
`,
          'kit.yaml',
        ),
        taskClasses: [StockTask],
      });
      expect(result.flow).to.equal('kit-flow');
      const spans = kit.spans('task.handle').filter((s) => s.attributes['task'] === 'inv');
      expect(spans).to.have.length(2);
      for (const span of spans) expect(kit.parentOf(span)?.attributes['task']).to.equal('src');
    });

    it('is quiet on stderr by default, and logs when asked (a real process)', () => {
      const script = join(__dirname, 'fixtures', 'kit-run-flow.ts');
      const run = (logs: string) =>
        spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', script, logs], {
          cwd: join(__dirname, '..', '..', '..'),
          env: { ...process.env, FLOWGEN_LOG_LEVEL: 'info', FLOWGEN_LOG_FORMAT: 'json' },
          encoding: 'utf8',
          timeout: 60_000,
        });
      const quiet = run('quiet');
      expect(quiet.status, quiet.stderr).to.equal(0);
      expect(quiet.stdout).to.contain('handled 2');
      expect(quiet.stderr).to.equal('');
      const loud = run('logs');
      expect(loud.status, loud.stderr).to.equal(0);
      expect(loud.stderr).to.contain('"msg":"reserved"');
    });
  });
});

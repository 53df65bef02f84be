import { createHook } from 'node:async_hooks';
import { expect } from 'chai';
import { GenerateConfig } from '../../src/connectors/generate-config';
import { GenerateTask } from '../../src/connectors/generate.task';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { configErrorFor, configFor, startTask } from './task-harness';

describe('connectors: generate', () => {
  let kit: TestTelemetry;
  beforeEach(() => {
    kit = TestTelemetry.create();
  });
  afterEach(() => kit.shutdown());

  describe('config', () => {
    it('defaults interval to 1s, count and payload to unset', () => {
      const config = configFor<GenerateConfig>(GenerateTask, {});
      expect(config).to.be.instanceOf(GenerateConfig);
      expect(config.interval).to.equal('1s');
      expect(config.intervalMs).to.equal(1000);
      expect(config.count).to.equal(undefined);
      expect(config.payload).to.equal(undefined);
    });

    it('rejects count -1, a non-integer count and null, naming the field path', () => {
      for (const count of [-1, 1.5, null, '3']) {
        const error = configErrorFor(GenerateTask, { count });
        expect(error.issues.map((i) => i.path)).to.deep.equal(['tasks[0].config.count']);
      }
      expect(configErrorFor(GenerateTask, { count: -1 }).message).to.contain(
        'tasks[0].config.count: got -1; must be a whole number of at least 0',
      );
    });

    it('rejects an unknown key, a bare-number interval, a list payload and a payload key n', () => {
      const unknown = configErrorFor(GenerateTask, { intervall: '1s' });
      expect(unknown.issues[0]?.path).to.equal('tasks[0].config.intervall');
      expect(unknown.message).to.contain('did you mean "interval"');
      expect(configErrorFor(GenerateTask, { interval: 5 }).issues[0]?.path).to.equal(
        'tasks[0].config.interval',
      );
      expect(configErrorFor(GenerateTask, { payload: [1] }).issues[0]?.path).to.equal(
        'tasks[0].config.payload',
      );
      expect(configErrorFor(GenerateTask, { payload: { n: 1 } }).issues[0]?.path).to.equal(
        'tasks[0].config.payload.n',
      );
    });
  });

  it('emits count events { n, ...payload }, each handled in its own root task.handle span', async () => {
    const h = await startTask<GenerateTask, GenerateConfig>(kit, GenerateTask, {
      name: 'ticks',
      id: 0,
      config: { interval: '10ms', count: 3, payload: { source: 'demo', tags: ['a'] } },
    });
    await h.run();
    expect(h.pushed.map((e) => e.data)).to.deep.equal([
      { source: 'demo', tags: ['a'], n: 0 },
      { source: 'demo', tags: ['a'], n: 1 },
      { source: 'demo', tags: ['a'], n: 2 },
    ]);
    expect(h.outputs.map((e) => e.data)).to.deep.equal(h.pushed.map((e) => e.data));
    const spans = kit.spans('task.handle');
    expect(spans).to.have.length(3);
    expect(spans.map((s) => s.attributes['generate.sequence'])).to.deep.equal([0, 1, 2]);
    for (const span of spans) {
      expect(span.attributes).to.include({ task: 'ticks', task_id: 0, task_type: 'generate' });
      expect(span.parentSpanContext).to.equal(undefined);
    }
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).to.equal(3);
    // The emitted event is the handler span's child.
    expect(h.outputs[0]?.spanContext?.spanId).to.equal(spans[0]?.spanContext().spanId);
    expect(await kit.metricValue('task.handle.count', { task: 'ticks' })).to.equal(3);
  });

  it('gives every event its own copy of the payload', async () => {
    const h = await startTask<GenerateTask, GenerateConfig>(kit, GenerateTask, {
      config: { interval: '1ms', count: 2, payload: { nested: { v: 1 } } },
      push: async (event, next) => {
        (event.data as { nested: { v: number } }).nested.v = 99;
        return next(event);
      },
    });
    await h.run();
    expect(h.ctx.config.payload).to.deep.equal({ nested: { v: 1 } });
    expect(h.pushed).to.have.length(2);
  });

  it('emits nothing for count 0', async () => {
    const h = await startTask(kit, GenerateTask, { config: { count: 0 } });
    await h.run();
    expect(h.pushed).to.have.length(0);
  });

  it('stops at once when the signal aborts, leaving no timer behind', async () => {
    // Timers the generate task's own code creates (the first frame outside
    // Node's internals is generate.task.ts), alive until cleared or fired.
    const live = new Set<number>();
    const hook = createHook({
      init(id, type) {
        if (type !== 'Timeout') return;
        const frames = (new Error().stack ?? '').split('\n').slice(2); // past this hook
        const caller = frames.find((f) => !/\(node:|at node:|<anonymous>/.test(f));
        if (caller !== undefined && /generate\.task\.ts/.test(caller)) live.add(id);
      },
      destroy(id) {
        live.delete(id);
      },
    }).enable();
    const h = await startTask<GenerateTask, GenerateConfig>(kit, GenerateTask, {
      config: { interval: '1h' },
    });
    try {
      const running = h.run();
      await new Promise((resolve) => setImmediate(resolve));
      expect(h.pushed).to.have.length(1);
      expect(live.size).to.equal(1); // the interval sleep
      const started = Date.now();
      h.controller.abort();
      await running;
      expect(Date.now() - started).to.be.below(500);
      await new Promise((resolve) => setImmediate(resolve));
      expect(live.size).to.equal(0);
      expect(h.pushed).to.have.length(1);
    } finally {
      hook.disable();
      // Even when an assertion failed: a pending 1h sleep would hold the process open.
      await h.stop();
    }
  });

  it('keeps going when one event fails downstream, and stops when aborted', async () => {
    let calls = 0;
    const h = await startTask(kit, GenerateTask, {
      config: { interval: '1ms', count: 3 },
      push: async (event, next) => {
        calls++;
        if (calls === 2) throw new Error('handler failed after retries');
        return next(event);
      },
    });
    await h.run();
    expect(calls).to.equal(3);
    expect(h.pushed.map((e) => (e.data as { n: number }).n)).to.deep.equal([0, 2]);
  });
});

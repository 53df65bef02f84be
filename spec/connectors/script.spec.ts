import { SpanStatusCode } from '@opentelemetry/api';
import { expect } from 'chai';
import type { ScriptConfig } from '../../src/connectors/script-config';
import { ScriptError } from '../../src/connectors/script-error';
import { ScriptTask } from '../../src/connectors/script.task';
import { FlowEvent } from '../../src/runtime/event';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import type { Harness } from './task-harness';
import { configErrorFor, configFor, startTask } from './task-harness';

describe('connectors: script', () => {
  let kit: TestTelemetry;
  beforeEach(() => {
    kit = TestTelemetry.create();
  });
  afterEach(() => kit.shutdown());

  function script(code: string, extra: Record<string, unknown> = {}) {
    return startTask<ScriptTask, ScriptConfig>(kit, ScriptTask, {
      name: 'enrich',
      id: 1,
      config: { code, ...extra },
    });
  }

  async function runOne(h: Harness<ScriptTask, ScriptConfig>, data: unknown): Promise<FlowEvent[]> {
    return h.handle(FlowEvent.create(data, { id: 'e-1', metadata: { source: 'spec' } }));
  }

  describe('config', () => {
    it('defaults timeout to 1s', () => {
      const config = configFor<ScriptConfig>(ScriptTask, { code: 'event' });
      expect(config.timeout).to.equal('1s');
      expect(config.timeoutMs).to.equal(1000);
    });

    it('takes timeout: none (no bound) and rejects other non-durations, saying none is allowed', () => {
      const config = configFor<ScriptConfig>(ScriptTask, { code: 'event', timeout: 'none' });
      expect(config.timeoutMs).to.equal(undefined);
      const error = configErrorFor(ScriptTask, { code: 'event', timeout: 'never' });
      expect(error.issues[0]?.path).to.equal('tasks[0].config.timeout');
      expect(error.message).to.contain('or none for no bound');
      expect(configErrorFor(ScriptTask, { code: 'event', timeout: '0s' }).message).to.contain(
        'greater than zero',
      );
    });

    it('rejects empty or blank code, missing code, a non-string and an unknown key', () => {
      for (const code of ['', '   \n']) {
        const error = configErrorFor(ScriptTask, { code });
        expect(error.issues[0]?.path).to.equal('tasks[0].config.code');
        expect(error.message).to.contain('must not be empty');
      }
      expect(configErrorFor(ScriptTask, {}).issues[0]).to.include({
        path: 'tasks[0].config.code',
        kind: 'missing',
      });
      expect(configErrorFor(ScriptTask, { code: 42 }).issues[0]?.path).to.equal(
        'tasks[0].config.code',
      );
      expect(configErrorFor(ScriptTask, { code: 'event', timout: '1s' }).message).to.contain(
        'tasks[0].config.timout: unknown key; did you mean "timeout"?',
      );
    });
  });

  it('runs the flow-doc example: event.data.total = event.data.n * 2; event', async () => {
    const h = await script('event.data.total = event.data.n * 2; event');
    const input = FlowEvent.create({ n: 21 }, { id: 'e-1', metadata: { k: 'v' } });
    const [out, ...rest] = await h.handle(input);
    expect(rest).to.have.length(0);
    expect(out?.data).to.deep.equal({ n: 21, total: 42 });
    expect(out?.id).to.equal('e-1');
    expect(out?.metadata).to.deep.equal({ k: 'v' });
    // The input is never mutated: the script works on a copy.
    expect(input.data).to.deep.equal({ n: 21 });
    // Copied out of the vm realm: a normal object of this realm.
    expect(Object.getPrototypeOf(out?.data)).to.equal(Object.prototype);
    const span = kit.span('task.handle');
    expect(span.attributes).to.include({
      task: 'enrich',
      task_id: 1,
      task_type: 'script',
      'script.result_type': 'object',
    });
    expect(span.status.code).to.equal(SpanStatusCode.UNSET);
    // The output event is the span's child.
    expect(out?.spanContext?.spanId).to.equal(span.spanContext().spanId);
  });

  it('sees id, data and metadata; a value other than an event becomes the data', async () => {
    const h = await script('[event.id, event.metadata.source, event.data.n + 1]');
    const [out] = await runOne(h, { n: 1 });
    expect(out?.data).to.deep.equal(['e-1', 'spec', 2]);
    expect(Array.isArray(out?.data)).to.equal(true);
    expect(kit.span('task.handle').attributes['script.result_type']).to.equal('array');
  });

  it('takes .data of any object with a data key', async () => {
    const h = await script('({ data: { y: event.data.n * 3 }, other: 1 })');
    const [out] = await runOne(h, { n: 2 });
    expect(out?.data).to.deep.equal({ y: 6 });
  });

  it('outputs the mutated event.data when the script value is undefined', async () => {
    const h = await script('event.data.seen = true; undefined');
    const input = FlowEvent.create({ n: 1 });
    const [out] = await h.handle(input);
    expect(out?.data).to.deep.equal({ n: 1, seen: true });
    expect(input.data).to.deep.equal({ n: 1 });
  });

  it('drops the event when the script value is null', async () => {
    const h = await script('event.data.n > 10 ? event : null');
    expect(await runOne(h, { n: 1 })).to.deep.equal([]);
    expect(await runOne(h, { n: 11 })).to.have.length(1);
    const [dropped, kept] = kit.spans('task.handle');
    expect(dropped?.attributes['script.result_type']).to.equal('dropped');
    expect(kept?.attributes['script.result_type']).to.equal('object');
  });

  it('records scalar result types', async () => {
    const h = await script('event.data.kind === "s" ? "text" : event.data.kind === "b" ? true : 7');
    await runOne(h, { kind: 's' });
    await runOne(h, { kind: 'b' });
    await runOne(h, { kind: 'n' });
    expect(kit.spans('task.handle').map((s) => s.attributes['script.result_type'])).to.deep.equal([
      'string',
      'boolean',
      'number',
    ]);
  });

  it('fails init on a syntax error, naming the task and the line', async () => {
    const error = await script('const a = 1;\nconst b = ;\nevent').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ScriptError);
    const e = error as ScriptError;
    expect(e.failure).to.equal('syntax');
    expect(e.code).to.equal('FLOWGEN_SCRIPT_SYNTAX');
    expect(e.message).to.contain('"enrich"');
    expect(e.message).to.contain('line 2');
  });

  it('turns a throw into a ScriptError recorded on the span with status ERROR', async () => {
    const h = await script('if (event.data.n < 0) throw new TypeError("negative n"); event');
    const error = await runOne(h, { n: -1 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ScriptError);
    const e = error as ScriptError;
    expect(e.failure).to.equal('runtime');
    expect(e.message).to.equal('script task "enrich" threw: TypeError: negative n');
    const span = kit.span('task.handle');
    expect(span.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: e.message });
    expect(span.events.some((ev) => ev.name === 'exception')).to.equal(true);
    expect(await kit.metricValue('task.handle.errors', { task: 'enrich' })).to.equal(1);
    // The task keeps working after a failed event.
    expect(await runOne(h, { n: 1 })).to.have.length(1);
  });

  it('stops an infinite loop at the timeout with a timeout ScriptError', async () => {
    const h = await script('while (true) {}', { timeout: '50ms' });
    const started = Date.now();
    const error = await runOne(h, { n: 1 }).catch((e: unknown) => e);
    expect(Date.now() - started).to.be.below(2000);
    expect(error).to.be.instanceOf(ScriptError);
    expect((error as ScriptError).failure).to.equal('timeout');
    expect((error as ScriptError).message).to.match(/"enrich" timed out.*50 ms/);
    expect(kit.span('task.handle').status.code).to.equal(SpanStatusCode.ERROR);
  });

  it('runs with timeout: none and gives the same result', async () => {
    const h = await script('event.data.total = event.data.n * 2; event', { timeout: 'none' });
    const [out] = await runOne(h, { n: 21 });
    expect(out?.data).to.deep.equal({ n: 21, total: 42 });
  });

  it('rejects a Promise result: scripts are synchronous', async () => {
    const h = await script('Promise.resolve(event)');
    const error = await runOne(h, { n: 1 }).catch((e: unknown) => e);
    expect((error as ScriptError).failure).to.equal('result');
  });

  it('rejects a result that is not plain data', async () => {
    const h = await script('() => 1');
    const error = await runOne(h, { n: 1 }).catch((e: unknown) => e);
    expect((error as ScriptError).failure).to.equal('result');
  });

  it('keeps one context per task: globals persist between events, the event does not', async () => {
    const h = await script(
      'globalThis.count = (globalThis.count || 0) + 1; ({ data: { count, n: event.data.n } })',
    );
    await runOne(h, { n: 1 });
    const [second] = await runOne(h, { n: 2 });
    expect(second?.data).to.deep.equal({ count: 2, n: 2 });
  });
});

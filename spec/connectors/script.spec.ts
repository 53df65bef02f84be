/*
 * The `script` task through the real task path (config validation, bindTask,
 * the decorated @Handler, the task.handle span) and, for failures that must
 * be retried and counted, through runFlow. Each hostile case of the sandbox
 * is one spec: it hangs, leaks the host or kills the process without it.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { expect } from 'chai';
import { loadWorkerConfig } from '../../src/config/worker-config';
import type { ScriptConfig } from '../../src/connectors/script-config';
import { ScriptError } from '../../src/connectors/script-error';
import type { ScriptFailure } from '../../src/connectors/script-error';
import { ScriptTask } from '../../src/connectors/script.task';
import { FlowEvent } from '../../src/runtime/event';
import { parseFlow } from '../../src/runtime/flow-loader';
import { runFlow } from '../../src/run-flow';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import type { Harness } from './task-harness';
import { configErrorFor, configFor, startTask } from './task-harness';

/** Far above any timeout used here, far below "hangs for good": CI machines are slow. */
const BOUND_MS = 10_000;

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

  async function dataOf(h: Harness<ScriptTask, ScriptConfig>, data: unknown): Promise<unknown> {
    const [out, ...rest] = await runOne(h, data);
    expect(rest).to.have.length(0);
    return out?.data;
  }

  /** Runs one event that must fail; returns the error and how long it took. */
  async function failure(
    h: Harness<ScriptTask, ScriptConfig>,
    data: unknown = { n: 1 },
  ): Promise<{ error: ScriptError; ms: number }> {
    const started = Date.now();
    const error = await runOne(h, data).then(
      (out) => expect.fail(`expected a failure, got ${JSON.stringify(out.map((e) => e.data))}`),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ScriptError);
    return { error: error as ScriptError, ms: Date.now() - started };
  }

  async function expectFailure(
    h: Harness<ScriptTask, ScriptConfig>,
    kind: ScriptFailure,
    message: RegExp,
  ): Promise<void> {
    const { error, ms } = await failure(h);
    expect(error.failure, error.message).to.equal(kind);
    expect(error.message).to.match(message);
    expect(ms).to.be.below(BOUND_MS);
  }

  describe('config', () => {
    it('defaults to the sandbox, a 1s timeout and a 32 MiB memory limit', () => {
      const config = configFor<ScriptConfig>(ScriptTask, { code: 'event' });
      expect(config.mode).to.equal('sandbox');
      expect(config.timeout).to.equal('1s');
      expect(config.timeoutMs).to.equal(1000);
      expect(config.memoryLimitBytes).to.equal(32 * 1024 * 1024);
      expect(
        configFor<ScriptConfig>(ScriptTask, { code: 'event', memory_limit_mib: 64 })
          .memoryLimitBytes,
      ).to.equal(64 * 1024 * 1024);
    });

    it('takes timeout: none with mode: trusted only, naming the field and the fix', () => {
      const trusted = configFor<ScriptConfig>(ScriptTask, {
        code: 'event',
        mode: 'trusted',
        timeout: 'none',
      });
      expect(trusted.timeoutMs).to.equal(undefined);
      const error = configErrorFor(ScriptTask, { code: 'event', timeout: 'none' });
      expect(error.issues[0]?.path).to.equal('tasks[0].config.timeout');
      expect(error.message).to.contain('none is allowed with mode: trusted only');
      const never = configErrorFor(ScriptTask, { code: 'event', timeout: 'never' });
      expect(never.issues[0]?.path).to.equal('tasks[0].config.timeout');
      expect(never.message).to.contain('or none for no bound (mode: trusted only)');
      expect(configErrorFor(ScriptTask, { code: 'event', timeout: '0s' }).message).to.contain(
        'greater than zero',
      );
    });

    it('rejects a bad memory_limit_mib naming the field, and any memory_limit_mib with mode: trusted', () => {
      for (const bad of [0, -1, 1.5, 2048, '32', null]) {
        const error = configErrorFor(ScriptTask, { code: 'event', memory_limit_mib: bad });
        expect(error.issues[0]?.path, String(bad)).to.equal('tasks[0].config.memory_limit_mib');
        expect(error.message).to.contain('must be a whole number of MiB from 1 to 1024');
      }
      const trusted = configErrorFor(ScriptTask, {
        code: 'event',
        mode: 'trusted',
        memory_limit_mib: 8,
      });
      expect(trusted.issues[0]?.path).to.equal('tasks[0].config.memory_limit_mib');
      expect(trusted.message).to.contain('applies to mode: sandbox only');
    });

    it('rejects an unknown mode, naming the field and both modes', () => {
      const error = configErrorFor(ScriptTask, { code: 'event', mode: 'isolated' });
      expect(error.issues[0]?.path).to.equal('tasks[0].config.mode');
      expect(error.message).to.contain('must be sandbox');
      expect(error.message).to.contain('trusted (node:vm in this process: full access to the host');
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

  for (const mode of ['sandbox', 'trusted'] as const) {
    describe(`mode: ${mode}, what a script does`, () => {
      const run = (code: string, extra: Record<string, unknown> = {}) =>
        script(code, { mode, ...extra });

      it('runs the flow-doc example: event.data.total = event.data.n * 2; event', async () => {
        const h = await run('event.data.total = event.data.n * 2; event');
        const input = FlowEvent.create({ n: 21 }, { id: 'e-1', metadata: { k: 'v' } });
        const [out, ...rest] = await h.handle(input);
        expect(rest).to.have.length(0);
        expect(out?.data).to.deep.equal({ n: 21, total: 42 });
        expect(out?.id).to.equal('e-1');
        expect(out?.metadata).to.deep.equal({ k: 'v' });
        // The input is never mutated: the script works on a copy.
        expect(input.data).to.deep.equal({ n: 21 });
        // Copied out: a normal object of this realm.
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
        const h = await run('[event.id, event.metadata.source, event.data.n + 1]');
        expect(await dataOf(h, { n: 1 })).to.deep.equal(['e-1', 'spec', 2]);
        expect(kit.span('task.handle').attributes['script.result_type']).to.equal('array');
      });

      it('takes .data of any object with a data key', async () => {
        const h = await run('({ data: { y: event.data.n * 3 }, other: 1 })');
        expect(await dataOf(h, { n: 2 })).to.deep.equal({ y: 6 });
      });

      it('outputs the mutated event.data when the script value is undefined', async () => {
        const h = await run('event.data.seen = true; undefined');
        const input = FlowEvent.create({ n: 1 });
        const [out] = await h.handle(input);
        expect(out?.data).to.deep.equal({ n: 1, seen: true });
        expect(input.data).to.deep.equal({ n: 1 });
      });

      it('drops the event when the script value is null', async () => {
        const h = await run('event.data.n > 10 ? event : null');
        expect(await runOne(h, { n: 1 })).to.deep.equal([]);
        expect(await runOne(h, { n: 11 })).to.have.length(1);
        const [dropped, kept] = kit.spans('task.handle');
        expect(dropped?.attributes['script.result_type']).to.equal('dropped');
        expect(kept?.attributes['script.result_type']).to.equal('object');
      });

      it('records scalar result types', async () => {
        const h = await run(
          'event.data.kind === "s" ? "text" : event.data.kind === "b" ? true : 7',
        );
        await runOne(h, { kind: 's' });
        await runOne(h, { kind: 'b' });
        await runOne(h, { kind: 'n' });
        expect(
          kit.spans('task.handle').map((s) => s.attributes['script.result_type']),
        ).to.deep.equal(['string', 'boolean', 'number']);
      });

      it('fails init on a syntax error, naming the task and the line', async () => {
        const error = await run('const a = 1;\nconst b = ;\nevent').catch((e: unknown) => e);
        expect(error).to.be.instanceOf(ScriptError);
        const e = error as ScriptError;
        expect(e.failure).to.equal('syntax');
        expect(e.code).to.equal('FLOWGEN_SCRIPT_SYNTAX');
        expect(e.message).to.contain('"enrich"');
        expect(e.message).to.contain('line 2');
      });

      it('turns a throw into a ScriptError recorded on the span with status ERROR; the next event runs', async () => {
        const h = await run('if (event.data.n < 0) throw new TypeError("negative n"); event');
        const { error } = await failure(h, { n: -1 });
        expect(error.failure).to.equal('runtime');
        expect(error.message).to.equal('script task "enrich" threw: TypeError: negative n');
        const span = kit.span('task.handle');
        expect(span.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: error.message });
        expect(span.events.some((ev) => ev.name === 'exception')).to.equal(true);
        expect(await kit.metricValue('task.handle.errors', { task: 'enrich' })).to.equal(1);
        expect(await runOne(h, { n: 1 })).to.have.length(1);
      });

      it('stops an infinite loop at the timeout with a timeout ScriptError; the next event runs', async () => {
        const h = await run('if (event.data.n === 1) { while (true) {} } event', {
          timeout: '50ms',
        });
        const { error, ms } = await failure(h);
        expect(ms).to.be.below(BOUND_MS);
        expect(error.failure).to.equal('timeout');
        expect(error.code).to.equal('FLOWGEN_SCRIPT_TIMEOUT');
        expect(error.message).to.match(/"enrich" timed out.*50 ms/);
        expect(kit.span('task.handle').status.code).to.equal(SpanStatusCode.ERROR);
        expect(await dataOf(h, { n: 2 })).to.deep.equal({ n: 2 });
      });

      it('rejects a Promise result: scripts are synchronous', async () => {
        const h = await run('Promise.resolve(event)');
        expect((await failure(h)).error.failure).to.equal('result');
      });

      it('rejects a result that is not plain data', async () => {
        const h = await run('() => 1');
        expect((await failure(h)).error.failure).to.equal('result');
      });

      it('gives each event a fresh lexical scope: top-level const, let and class work on every event', async () => {
        const h = await run(
          'const x = 1; let y = event.data.n; class K { get v() { return x + y; } } new K().v',
        );
        expect(await dataOf(h, { n: 1 })).to.equal(2);
        expect(await dataOf(h, { n: 2 })).to.equal(3);
        expect(await dataOf(h, { n: 3 })).to.equal(4);
      });
    });
  }

  describe('sandbox: nothing of the host is reachable', () => {
    it('the Function constructor of the event reaches no process (the classic node:vm escape)', async () => {
      const h = await script(
        "event.constructor.constructor('return process')().mainModule.require('fs').readFileSync('/etc/hostname', 'utf8')",
      );
      const { error } = await failure(h);
      expect(error.failure).to.equal('runtime');
      expect(error.message).to.contain("'process' is not defined");
    });

    it('positive control: the same line in mode: trusted does reach the host', async () => {
      const h = await script("event.constructor.constructor('return process')().pid", {
        mode: 'trusted',
      });
      expect(await dataOf(h, {})).to.equal(process.pid);
    });

    it('has no process, require, module, timers, console, fetch, Buffer, WebAssembly or shared memory, at any depth', async () => {
      const names = [
        'process',
        'require',
        'module',
        'global',
        'Buffer',
        'setTimeout',
        'setInterval',
        'setImmediate',
        'queueMicrotask',
        'fetch',
        'console',
        'WebAssembly',
        'XMLHttpRequest',
        'SharedArrayBuffer',
        'Atomics',
      ];
      const h = await script(
        `const names = ${JSON.stringify(names)};
         const viaFunction = event.constructor.constructor('return this')();
         names.map((n) => [n, typeof globalThis[n], typeof viaFunction[n]])`,
      );
      expect(await dataOf(h, {})).to.deep.equal(names.map((n) => [n, 'undefined', 'undefined']));
    });

    it('refuses import(): no module can be loaded', async () => {
      const h = await script(
        `const out = {};
         import('node:fs').then(() => { out.data = 'loaded'; }, (e) => { out.data = 'refused: ' + e.message; });
         out`,
      );
      const data = await dataOf(h, {});
      expect(data)
        .to.be.a('string')
        .and.match(/^refused: could not load module/);
    });

    it('takes only JSON-like data in: a BigInt in the event fails it as input', async () => {
      const h = await script('event');
      const { error } = await failure(h, { n: 1n });
      expect(error.failure).to.equal('input');
      expect(error.code).to.equal('FLOWGEN_SCRIPT_INPUT');
      expect(error.message).to.contain('its data is not JSON-like');
    });

    it('shows no host file in stacks', async () => {
      const h = await script('try { null.x } catch (e) { e.stack }');
      const stack = (await dataOf(h, {})) as string;
      expect(stack).to.contain('script:enrich');
      expect(stack).not.to.contain(process.cwd());
      expect(stack).not.to.contain('node:');
    });
  });

  describe('sandbox: the timeout holds for any code; only that event fails', () => {
    const hostile: [string, string][] = [
      ['a plain infinite loop', 'for (;;) {}'],
      ['a getter on the result', '({ get data() { for (;;) {} } })'],
      ['a microtask loop', 'Promise.resolve().then(() => { for (;;) {} }); event'],
      ['an endless chain of promise jobs', '(async () => { for (;;) await null; })(); event'],
      ['a Proxy as the result', 'new Proxy({}, { has() { for (;;) {} }, get() { for (;;) {} } })'],
      ['a toJSON in the data', '({ data: { toJSON() { for (;;) {} } } })'],
      ['catastrophic regex backtracking', '/(a+)+$/.test("a".repeat(40) + "b")'],
      ['a comparator that never returns', '[3, 1, 2].sort(() => { for (;;) {} })'],
    ];
    for (const [title, code] of hostile) {
      it(`${title}: timeout error within the bound, then the next event runs`, async () => {
        const h = await script(`if (event.data.n === 1) { ${code} } else { event }`, {
          timeout: '200ms',
        });
        const { error, ms } = await failure(h);
        expect(error.failure, error.message).to.equal('timeout');
        expect(error.message).to.equal(
          'script task "enrich" timed out: it ran longer than its timeout of 200 ms',
        );
        expect(ms).to.be.at.least(150).and.below(BOUND_MS);
        expect(await kit.metricValue('task.handle.errors', { task: 'enrich' })).to.equal(1);
        expect(await dataOf(h, { n: 2 })).to.deep.equal({ n: 2 });
      });
    }
  });

  describe('sandbox: memory is bounded per script; going over fails the event, never the process', () => {
    it('an endless allocation fails with a memory error; the next event runs', async () => {
      const h = await script(
        'if (event.data.n === 1) { const a = []; for (;;) a.push({ i: a.length }); } event',
        {
          memory_limit_mib: 8,
          timeout: '20s',
        },
      );
      await expectFailure(h, 'memory', /"enrich" went over its memory limit of 8 MiB/);
      expect(await dataOf(h, { n: 2 })).to.deep.equal({ n: 2 });
    });

    it('keeps the process RSS bounded under a bomb of many mid-sized arrays', async () => {
      // QuickJS's own limit counts allocations, not bytes, under Emscripten:
      // without the bounded WebAssembly memory this grows to gigabytes.
      const h = await script('const a = []; for (;;) a.push(new Array(1000).fill(a.length))', {
        memory_limit_mib: 8,
        timeout: '20s',
      });
      const before = process.memoryUsage().rss;
      await expectFailure(h, 'memory', /memory limit of 8 MiB/);
      expect(process.memoryUsage().rss - before).to.be.below(256 * 1024 * 1024);
    });

    it('one huge allocation fails with a memory error', async () => {
      const h = await script('"x".repeat(2 ** 28)', { memory_limit_mib: 8 });
      await expectFailure(h, 'memory', /memory limit/);
    });

    it('an event too big for the limit fails before the script runs', async () => {
      const h = await script('event', { memory_limit_mib: 1 });
      const { error } = await failure(h, { blob: 'x'.repeat(1024 * 1024) });
      expect(error.failure).to.equal('memory');
      expect(error.message).to.contain('does not fit memory_limit_mib (1 MiB)');
    });

    it('nesting deep enough to exhaust the host stack fails the event; the interpreter is reloaded', async () => {
      const h = await script(
        'event.data.n === 1 ? JSON.parse("[".repeat(200000) + "]".repeat(200000)) : event',
      );
      await expectFailure(h, 'memory', /ran out of stack in the sandbox/);
      expect(await dataOf(h, { n: 2 })).to.deep.equal({ n: 2 });
    });

    it('deep recursion is a catchable stack overflow in the script', async () => {
      const h = await script(
        'function f(n) { return f(n + 1) + 1 } try { f(0) } catch (e) { String(e) }',
      );
      expect(await dataOf(h, {})).to.match(/stack overflow/i);
    });
  });

  describe('state between events', () => {
    it('sandbox: nothing survives, neither globals nor changed prototypes', async () => {
      const h = await script(
        `const seen = [typeof globalThis.count, ({}).polluted];
         globalThis.count = 1; Object.prototype.polluted = 'yes';
         seen`,
      );
      expect(await dataOf(h, {})).to.deep.equal(['undefined', null]);
      expect(await dataOf(h, {})).to.deep.equal(['undefined', null]);
    });

    it('sandbox: globals a script keeps do not pile up across events (each event has the whole limit)', async () => {
      // 12 MiB of globals per event under a 16 MiB limit: kept between events,
      // they would go over by the third (the old node:vm path aborted the process this way).
      const h = await script(
        `const keep = (k) => { globalThis[k] = 'x'.repeat(12 * 1024 * 1024 - 64) + k; };
         const count = event.data.n === 'control' ? 3 : 1;
         for (let i = 0; i < count; i++) keep('k' + event.data.n + i);
         Object.keys(globalThis).filter((k) => k.startsWith('k')).length`,
        { memory_limit_mib: 16 },
      );
      // Control: three of them at once do go over the limit.
      const { error } = await failure(h, { n: 'control' });
      expect(error.failure, error.message).to.equal('memory');
      for (let n = 0; n < 10; n++) expect(await dataOf(h, { n })).to.equal(1);
    });

    it('trusted: globals persist between events of the task (one node:vm context), the event does not', async () => {
      const h = await script(
        'globalThis.count = (globalThis.count || 0) + 1; ({ data: { count, n: event.data.n } })',
        { mode: 'trusted' },
      );
      await runOne(h, { n: 1 });
      expect(await dataOf(h, { n: 2 })).to.deep.equal({ count: 2, n: 2 });
    });
  });

  it('in a flow: a hostile event fails alone after its retries and is counted once; the others go through', async () => {
    const result = await runFlow({
      flow: parseFlow(
        `
flow:
  name: hostile
  tasks:
    - generate: { name: src, interval: 1ms, count: 3 }
    - script:
        name: guard
        timeout: 200ms
        code: "event.data.n === 1 ? { get data() { for (;;) {} } } : event"
        retry: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 2ms }
    - log: { name: out, level: debug }
`,
        'hostile.yaml',
      ),
      worker: loadWorkerConfig({}),
      container: kit.container,
      telemetry: kit.handle,
    });
    expect(result.stats['guard']).to.include({ failed: 1, emitted: 2 });
    expect(await kit.metricValue('task.handle.errors', { task: 'guard' })).to.equal(1);
    expect(await kit.metricValue('task.handle.count', { task: 'guard' })).to.equal(3);
    const failed = kit
      .spans('task.handle')
      .filter((s) => s.attributes.task === 'guard' && s.status.code === SpanStatusCode.ERROR);
    expect(failed).to.have.length(1);
    expect(failed[0]?.attributes['flowgen.attempts']).to.equal(2);
    expect(failed[0]?.status.message).to.contain('timed out');
  });
});

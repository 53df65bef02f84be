import { expect } from 'chai';
import type { ReceivedSpan } from '../../src/collector/received-types';
import { EnvScope, OTEL_ENV_UNSET } from './support/env-scope';
import { ReceiverPool, runExportingFlow, telemetryTo } from './support/export-run';
import { spansNamed, taskOf } from './support/received';

const EVENTS = 3;
const FLOW = `
flow:
  name: wiring
  tasks:
    - generate: { name: src, interval: 5ms, count: ${EVENTS} }
    - script: { name: twice, code: "event.data.doubled = event.data.n * 2; event" }
    - log: { name: out }
`;
const TASKS = [
  { task: 'src', task_id: 0, task_type: 'generate' },
  { task: 'twice', task_id: 1, task_type: 'script' },
  { task: 'out', task_id: 2, task_type: 'log' },
];

describe('export e2e: spans over the wire (names, parents, typed attributes)', () => {
  const receivers = new ReceiverPool();
  const env = new EnvScope();
  let spans: ReceivedSpan[];
  let stats: Record<string, { processed: number }>;

  // One run serves every assertion below: they all read what the receiver got.
  before(async () => {
    env.set(OTEL_ENV_UNSET);
    const r = await receivers.start();
    const { result } = await runExportingFlow({ flow: FLOW, telemetry: telemetryTo(r.endpoint) });
    spans = r.spans();
    stats = result.stats;
  });
  after(async () => {
    env.restore();
    await receivers.stopAll();
  });

  it('exports all five span names where the seed says', () => {
    const [start, ...moreStarts] = spansNamed(spans, 'task_manager.start');
    expect(moreStarts, 'one task_manager.start').to.have.length(0);
    expect(start!.parentSpanId, 'task_manager.start is a root').to.equal(undefined);

    const registers = spansNamed(spans, 'task_manager.register');
    expect(registers.map((s) => s.attributes)).to.have.deep.members(TASKS);
    for (const s of registers) {
      expect(s.parentSpanId, `register ${taskOf(s)}`).to.equal(start!.spanId);
      expect(s.traceId).to.equal(start!.traceId);
    }

    const runs = spansNamed(spans, 'task.run');
    expect(runs.map((s) => s.attributes)).to.have.deep.members(TASKS);
    for (const s of runs) expect(s.parentSpanId, `task.run ${taskOf(s)}`).to.equal(undefined);
    expect(new Set(runs.map((s) => s.traceId)).size, 'each task.run is its own trace').to.equal(
      TASKS.length,
    );

    const handles = spansNamed(spans, 'task.handle');
    for (const { task } of TASKS) {
      const mine = handles.filter((s) => s.attributes['task'] === task);
      expect(mine, `task.handle of ${task}`).to.have.length(stats[task]!.processed);
      expect(mine).to.have.length(EVENTS);
    }

    const [shutdown, ...moreShutdowns] = spansNamed(spans, 'task_manager.shutdown');
    expect(moreShutdowns, 'one task_manager.shutdown').to.have.length(0);
    expect(shutdown!.parentSpanId, 'task_manager.shutdown is a root').to.equal(undefined);
    expect(shutdown!.traceId).to.not.equal(start!.traceId);
  });

  it('sends task_id as an int and task, task_type as strings', () => {
    const tasked = spans.filter(
      (s) => s.name !== 'task_manager.start' && s.name !== 'task_manager.shutdown',
    );
    expect(tasked).to.have.length(TASKS.length * 2 + TASKS.length * EVENTS);
    for (const s of tasked) {
      expect(s.attributeTypes, `${s.name} of ${taskOf(s)}`).to.include({
        task: 'string',
        task_id: 'int',
        task_type: 'string',
      });
      const expected = TASKS.find((t) => t.task === s.attributes['task']);
      expect(s.attributes).to.include(expected);
    }
  });

  it('links one event through source -> script -> log as one trace, parent to child in wiring order', () => {
    const handles = spansNamed(spans, 'task.handle');
    const roots = handles.filter((s) => s.attributes['task'] === 'src');
    expect(roots).to.have.length(EVENTS);
    expect(new Set(roots.map((s) => s.traceId)).size, 'one trace per event').to.equal(EVENTS);
    for (const root of roots) {
      expect(root.parentSpanId, 'the source handle is a root').to.equal(undefined);
      const trace = handles.filter((s) => s.traceId === root.traceId);
      expect(trace.map(taskOf)).to.have.members(['src', 'twice', 'out']);
      const twice = trace.find((s) => taskOf(s) === 'twice')!;
      const out = trace.find((s) => taskOf(s) === 'out')!;
      expect(twice.parentSpanId, 'script is a child of the source').to.equal(root.spanId);
      expect(out.parentSpanId, 'log is a child of the script').to.equal(twice.spanId);
    }
    // Nothing else shares an event's trace: the worker spans live in their own.
    const eventTraces = new Set(roots.map((s) => s.traceId));
    const others = spans.filter((s) => s.name !== 'task.handle' && eventTraces.has(s.traceId));
    expect(others.map((s) => s.name)).to.deep.equal([]);
  });
});

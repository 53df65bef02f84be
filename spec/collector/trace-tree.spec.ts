import { expect } from 'chai';
import { renderTraces } from '../../src/collector/trace-tree';
import { fakeSpan } from './fake-telemetry';

const task = (id: number) => ({ task: 'echo', task_id: id, task_type: 'echo' });

// Arrival order deliberately differs from start order: children end (and export) first.
const spans = [
  fakeSpan({
    name: 'task.handle',
    spanId: '02',
    parentSpanId: '01',
    startMs: 2,
    durationMs: 3,
    attributes: task(1),
  }),
  fakeSpan({ name: 'task.run', spanId: '01', startMs: 0, durationMs: 10, attributes: task(0) }),
  fakeSpan({ name: 'http.get', spanId: '03', parentSpanId: '02', startMs: 3, durationMs: 1 }),
  fakeSpan({
    name: 'task.handle',
    spanId: '04',
    parentSpanId: '01',
    startMs: 6,
    durationMs: 4,
    attributes: task(2),
    status: { code: 2, message: 'boom' },
    events: [
      {
        name: 'exception',
        attributes: { 'exception.type': 'TypeError', 'exception.message': 'boom' },
        attributeTypes: {},
        timeUnixNano: 0n,
      },
    ],
  }),
];

describe('collector/trace-tree renderTraces', () => {
  const lines = renderTraces(spans, { width: 20 }).split('\n');

  it('starts each trace with a header: id, service, span count, total duration, errors', () => {
    expect(lines[0]).to.equal(`trace ${'a'.repeat(32)} · svc · 4 spans · 10.00 ms · 1 error`);
  });

  it('nests children under their parent, ordered by start time, with task attributes', () => {
    expect(lines[1]).to.match(/^task\.run task=echo task_id=0 task_type=echo +10\.00 ms/);
    expect(lines[2]).to.match(/^├─ task\.handle task=echo task_id=1 task_type=echo +3\.00 ms/);
    expect(lines[3]).to.match(/^│ {2}└─ http\.get +1\.00 ms/);
    expect(lines[4]).to.match(/^└─ task\.handle task=echo task_id=2 task_type=echo +4\.00 ms/);
  });

  it('draws a waterfall bar placing each span within the trace', () => {
    const bars = lines.slice(1, 5).map((l) => /│([█ ]{20})│/.exec(l)?.[1]);
    expect(bars).to.deep.equal([
      '████████████████████',
      '    ██████          ',
      '      ██            ',
      '            ████████',
    ]);
  });

  it('marks errors and lists exception events under their span', () => {
    expect(lines[4]).to.match(/✗ ERROR: boom$/);
    expect(lines[5]).to.equal('      ⚠ exception TypeError: boom');
    expect(lines.filter((l) => l.includes('ERROR'))).to.have.length(1);
  });

  it('aligns the duration column across the tree', () => {
    const columns = lines.slice(1, 5).map((l) => l.indexOf(' ms'));
    expect(new Set(columns).size).to.equal(1);
  });

  it('renders one block per trace, ordered by start, and orphans (parent elsewhere) as roots', () => {
    const other = fakeSpan({
      traceId: 'b'.repeat(32),
      name: 'remote.child',
      spanId: '09',
      parentSpanId: 'ffffffffffffffff',
      startMs: -5,
      durationMs: 1,
    });
    const blocks = renderTraces([...spans, other]).split('\n\n');
    expect(blocks).to.have.length(2);
    expect(blocks[0]).to.contain(`trace ${'b'.repeat(32)}`);
    expect(blocks[0]).to.contain('remote.child (parent ffffffff… not received)');
    expect(blocks[1]).to.contain(`trace ${'a'.repeat(32)}`);
  });

  it('uses ANSI colours only when asked', () => {
    expect(renderTraces(spans)).not.to.contain('\x1b[');
    const colored = renderTraces(spans, { color: true });
    expect(colored).to.contain('\x1b[31m✗ ERROR: boom\x1b[0m');
  });

  it('renders nothing for no spans', () => {
    expect(renderTraces([])).to.equal('');
  });
});

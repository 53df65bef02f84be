import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { JsonlSink } from '../../src/collector/jsonl-sink';
import { fakePoint, fakeSpan } from './fake-telemetry';

describe('collector/jsonl-sink JsonlSink', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgen-jsonl-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('appends one JSON object per span and point, bigint and bytes made safe', () => {
    const file = path.join(dir, 'nested', 'telemetry.jsonl');
    const sink = new JsonlSink(file);
    sink.writeSpans([
      fakeSpan({
        name: 'task.run',
        spanId: '01',
        startMs: 0,
        durationMs: 2,
        kind: 5,
        attributes: { big: 2n ** 63n - 1n, raw: new Uint8Array([1, 2, 3]) },
      }),
    ]);
    sink.writeMetricPoints([fakePoint({ name: 'c', type: 'sum', value: 2 })]);
    sink.writeSpans([]);

    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).to.have.length(2);
    const span = JSON.parse(lines[0]!);
    expect(span).to.include({ kind: 'span', name: 'task.run', spanKind: 5, spanId: '01' });
    expect(span.startTimeUnixNano).to.equal('1700000000000000000');
    expect(span.attributes).to.deep.equal({ big: '9223372036854775807', raw: 'AQID' });
    const metric = JSON.parse(lines[1]!);
    expect(metric).to.include({ kind: 'metric', name: 'c', type: 'sum', value: 2 });
  });

  it('appends to an existing file instead of truncating it', () => {
    const file = path.join(dir, 'telemetry.jsonl');
    fs.writeFileSync(file, '{"kind":"earlier"}\n');
    new JsonlSink(file).writeMetricPoints([fakePoint({ name: 'g', type: 'gauge', value: 1 })]);
    expect(fs.readFileSync(file, 'utf8').trimEnd().split('\n')).to.have.length(2);
  });
});

import { expect } from 'chai';
import { latestPerSeries, renderMetrics } from '../../src/collector/metric-table';
import { fakePoint } from './fake-telemetry';

const task = (id: number) => ({ task: 'echo', task_id: id, task_type: 'echo' });

describe('collector/metric-table renderMetrics', () => {
  const points = [
    fakePoint({
      name: 'task.handle.count',
      type: 'sum',
      monotonic: true,
      unit: '{invocation}',
      value: 3,
      attributes: task(0),
    }),
    fakePoint({
      name: 'task.handle.count',
      type: 'sum',
      monotonic: true,
      unit: '{invocation}',
      value: 1,
      attributes: task(1),
    }),
    fakePoint({
      name: 'task.handle.count',
      type: 'sum',
      monotonic: true,
      unit: '{invocation}',
      value: 5,
      attributes: task(0),
    }),
    fakePoint({
      name: 'task.handle.duration',
      type: 'histogram',
      unit: 's',
      count: 10,
      sum: 0.123456,
      bucketCounts: [0, 8, 2, 0],
      explicitBounds: [0.005, 0.01, 0.1],
      min: 0.006,
      max: 0.05,
      attributes: task(0),
    }),
  ];
  const lines = renderMetrics(points).split('\n');

  it('keeps the latest point per (name, attributes)', () => {
    expect(latestPerSeries(points).map((p) => p.value ?? p.count)).to.deep.equal([5, 1, 10]);
    expect(lines).to.have.length(4);
  });

  it('shows sums by value and histograms by count, sum and p50/p90/p99 from the buckets', () => {
    expect(lines[0]!.split(/ {2,}/)).to.deep.equal([
      'METRIC',
      'UNIT',
      'ATTRIBUTES',
      'KIND',
      'VALUE',
      'COUNT',
      'SUM',
      'P50',
      'P90',
      'P99',
    ]);
    expect(lines[1]!.split(/ {2,}/)).to.deep.equal([
      'task.handle.count',
      '{invocation}',
      'task=echo task_id=0 task_type=echo',
      'counter',
      '5',
    ]);
    expect(lines[2]!.split(/ {2,}/).slice(0, 5)).to.deep.equal([
      'task.handle.count',
      '{invocation}',
      'task=echo task_id=1 task_type=echo',
      'counter',
      '1',
    ]);
    expect(lines[3]!.split(/ {2,}/)).to.deep.equal([
      'task.handle.duration',
      's',
      'task=echo task_id=0 task_type=echo',
      'histogram',
      '10',
      '0.1235',
      '0.0085',
      '0.03',
      '0.048',
    ]);
  });

  it('leaves out columns no row uses', () => {
    const table = renderMetrics([fakePoint({ name: 'up', type: 'gauge', value: 1 })]);
    expect(table.split('\n')[0]!.split(/ {2,}/)).to.deep.equal(['METRIC', 'KIND', 'VALUE']);
  });

  it('says so when there is nothing to show', () => {
    expect(renderMetrics([])).to.equal('(no metrics)');
  });
});

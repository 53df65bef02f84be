import { expect } from 'chai';
import type { OtlpReceiver } from '../../src/collector/otlp-receiver';
import type { ReceivedMetricPoint } from '../../src/collector/received-types';
import { exportScene, runExportingFlow, SERVICE_NAME, telemetryTo } from './support/export-run';
import { spansNamed, startMs, taskOf } from './support/received';

const FLOW = `
flow:
  name: metrics
  tasks:
    - generate: { name: src, interval: 5ms, count: 5 }
    - script: { name: boom, code: "if (event.data.n === 1) throw new Error('no ' + event.data.n); event" }
    - log: { name: out }
`;
const TASK_IDS: Record<string, number> = { src: 0, boom: 1, out: 2 };

/** The points of the last metrics export call: they are the last ones appended. */
function lastExport(r: OtlpReceiver): ReceivedMetricPoint[] {
  const calls = r.exportCalls().filter((c) => c.service === 'metrics' && c.failed !== true);
  const last = calls[calls.length - 1];
  expect(last, 'at least one metrics export').to.not.equal(undefined);
  return r.metricPoints().slice(-last!.points!);
}

/** name -> task -> point, for the points of one export. */
function byTask(
  points: readonly ReceivedMetricPoint[],
  name: string,
): Record<string, ReceivedMetricPoint> {
  const out: Record<string, ReceivedMetricPoint> = {};
  for (const p of points) if (p.name === name) out[taskOf(p)] = p;
  return out;
}

/** The flow the interval specs run: ten events 100 ms apart, about a second. */
const SLOW_FLOW = `
flow:
  name: paced
  tasks:
    - generate: { name: src, interval: 100ms, count: 10 }
    - log: { name: out }
`;

describe('export e2e: span-derived metrics over the wire', () => {
  const { receivers } = exportScene();

  it('exports task.handle.duration/count/errors with exact values per task in the last export', async () => {
    const r = await receivers.start();
    const { result } = await runExportingFlow({ flow: FLOW, telemetry: telemetryTo(r.endpoint) });
    expect(result.stats).to.deep.equal({
      src: { processed: 5, failed: 0, emitted: 5 },
      boom: { processed: 5, failed: 1, emitted: 4 },
      out: { processed: 4, failed: 0, emitted: 4 },
    });
    const points = lastExport(r);
    for (const p of points) expect(p.resource['service.name']).to.equal(SERVICE_NAME);

    const duration = byTask(points, 'task.handle.duration');
    const count = byTask(points, 'task.handle.count');
    const errors = byTask(points, 'task.handle.errors');
    for (const [task, stats] of Object.entries(result.stats)) {
      const d = duration[task];
      expect(d, `task.handle.duration of ${task}`).to.not.equal(undefined);
      expect(d).to.include({ type: 'histogram', unit: 's', count: stats.processed });
      expect(d!.sum).to.be.a('number').and.to.be.at.least(0).and.to.be.below(stats.processed);
      expect(d!.attributes).to.deep.equal({
        task,
        task_id: TASK_IDS[task],
        task_type: { src: 'generate', boom: 'script', out: 'log' }[task],
      });
      expect(d!.attributeTypes).to.include({ task: 'string', task_id: 'int', task_type: 'string' });
      expect(count[task], `task.handle.count of ${task}`).to.include({
        type: 'sum',
        monotonic: true,
        value: stats.processed,
      });
      expect(errors[task], `task.handle.errors of ${task}`).to.include({
        type: 'sum',
        monotonic: true,
        value: stats.failed,
      });
    }
    expect(errors['boom']!.value).to.equal(1);

    // The other span names are measured the same way.
    for (const task of Object.keys(TASK_IDS)) {
      expect(byTask(points, 'task.run.count')[task]?.value, `task.run.count ${task}`).to.equal(1);
      expect(byTask(points, 'task.run.errors')[task]?.value, `task.run.errors ${task}`).to.equal(0);
      expect(byTask(points, 'task.run.duration')[task]).to.include({ unit: 's', count: 1 });
      expect(byTask(points, 'task_manager.register.count')[task]?.value).to.equal(1);
    }
    for (const name of ['task_manager.start', 'task_manager.shutdown']) {
      const [c] = points.filter((p) => p.name === `${name}.count`);
      expect(c?.value, `${name}.count`).to.equal(1);
      expect(points.filter((p) => p.name === `${name}.errors`)[0]?.value).to.equal(0);
      expect(points.filter((p) => p.name === `${name}.duration`)[0]).to.include({
        unit: 's',
        count: 1,
      });
    }
  });

  it('honours metrics_export_interval 200ms: several metric exports arrive before shutdown', async () => {
    const r = await receivers.start();
    await runExportingFlow({ flow: SLOW_FLOW, telemetry: telemetryTo(r.endpoint) });
    const [shutdown] = spansNamed(r.spans(), 'task_manager.shutdown');
    const shutdownAt = startMs(shutdown!);
    const metricCalls = r.exportCalls().filter((c) => c.service === 'metrics');
    const before = metricCalls.filter((c) => c.at < shutdownAt);
    expect(
      before.length,
      `metric exports before shutdown (of ${metricCalls.length})`,
    ).to.be.at.least(3);
    // Events handled so far show up while the flow runs, not only at the end.
    const early = r.metricPoints('task.handle.count').filter((p) => taskOf(p) === 'src');
    expect(early.some((p) => (p.value ?? 0) > 0 && (p.value ?? 0) < 10)).to.equal(true);
  });

  it('honours metrics_export_interval 60s: only the final flush at shutdown', async () => {
    const r = await receivers.start();
    await runExportingFlow({
      flow: SLOW_FLOW,
      telemetry: telemetryTo(r.endpoint, { metrics_export_interval: '60s' }),
    });
    const [shutdown] = spansNamed(r.spans(), 'task_manager.shutdown');
    const metricCalls = r.exportCalls().filter((c) => c.service === 'metrics');
    expect(metricCalls, 'exactly one metrics export').to.have.length(1);
    expect(metricCalls[0]!.at).to.be.at.least(startMs(shutdown!));
    const count = byTask(lastExport(r), 'task.handle.count');
    expect(count['src']?.value).to.equal(10);
    expect(count['out']?.value).to.equal(10);
  });
});

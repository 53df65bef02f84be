import { expect } from 'chai';
import type { ReceivedSpan } from '../../src/collector/received-types';
import { exportScene, runExportingFlow, telemetryTo } from './support/export-run';
import { spansNamed, startMs } from './support/received';

describe('export e2e: spans are batched as they end', () => {
  const { receivers } = exportScene();

  it('sends far fewer trace calls than spans with scheduled_delay 500ms, never one call per event', async () => {
    const batches: ReceivedSpan[][] = [];
    const r = await receivers.start({ onTrace: (spans) => batches.push(spans) });
    const events = 20;
    await runExportingFlow({
      flow: `
flow:
  name: batched
  tasks:
    - generate: { name: src, interval: 10ms, count: ${events} }
    - script: { name: pass, code: "event" }
    - log: { name: out }
`,
      telemetry: telemetryTo(r.endpoint, { batch: { scheduled_delay: '500ms' } }),
    });
    const spans = r.spans();
    const calls = r.exportCalls().filter((c) => c.service === 'traces');
    expect(spansNamed(spans, 'task.handle')).to.have.length(events * 3);
    expect(calls.length).to.be.at.least(1);
    expect(calls.map((c) => c.spans ?? 0).reduce((a, b) => a + b, 0)).to.equal(spans.length);
    expect(
      spans.length / calls.length,
      `${spans.length} spans in ${calls.length} calls`,
    ).to.be.at.least(5);
    expect(calls.length, 'fewer trace calls than events').to.be.below(events / 2);
    for (const batch of batches) {
      const eventTraces = new Set(spansNamed(batch, 'task.handle').map((s) => s.traceId));
      if (eventTraces.size > 0) {
        expect(
          eventTraces.size,
          'a call carrying task.handle spans carries several events',
        ).to.be.at.least(2);
      }
    }
  });

  it('exports spans while the flow runs (no separate trace interval), not only at shutdown', async () => {
    const r = await receivers.start();
    await runExportingFlow({
      flow: `
flow:
  name: paced
  tasks:
    - generate: { name: src, interval: 100ms, count: 8 }
    - log: { name: out }
`,
      telemetry: telemetryTo(r.endpoint, { batch: { scheduled_delay: '100ms' } }),
    });
    const [shutdown] = spansNamed(r.spans(), 'task_manager.shutdown');
    const early = r
      .exportCalls()
      .filter((c) => c.service === 'traces' && c.at < startMs(shutdown!));
    expect(early.length, 'trace exports before shutdown').to.be.at.least(2);
  });
});

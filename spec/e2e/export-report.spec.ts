import { expect } from 'chai';
import { captureLogger } from './support/capture-logger';
import { exportScene, runExportingFlow, telemetryTo } from './support/export-run';
import { freePort } from './support/spawn-worker';

const FLOW = `
flow:
  name: report
  tasks:
    - generate: { name: src, interval: 1ms, count: 5 }
    - log: { name: out, level: debug }
`;

describe('e2e: the end-of-run export report', () => {
  const { receivers } = exportScene();

  it('says every span was exported, with the count the receiver got', async () => {
    const receiver = await receivers.start();
    const log = captureLogger();
    await runExportingFlow({
      flow: FLOW,
      telemetry: telemetryTo(receiver.endpoint),
      logger: log.logger,
    });
    const report = log.lines().find((l) => l.msg === 'telemetry: every span was exported');
    expect(report?.['spans_ended']).to.equal(receiver.spans().length);
    expect(report).to.include({ spans_exported: receiver.spans().length, spans_lost: 0 });
  });

  it('counts and reports every span lost when the collector is down', async () => {
    const port = await freePort(); // closed again: nothing listens there
    const log = captureLogger();
    await runExportingFlow({
      flow: FLOW,
      telemetry: telemetryTo(`http://127.0.0.1:${port}`, { batch: { export_timeout: '500ms' } }),
      providers: { shutdownTimeoutMs: 1500 },
      logger: log.logger,
    });
    const report = log
      .lines()
      .find((l) => l.msg === 'telemetry: some spans never reached the collector');
    expect(report?.level).to.equal(40);
    // 5 events x 2 tasks, 2 task.run, start, 2 registers, shutdown
    expect(report).to.include({ spans_ended: 16, spans_exported: 0, spans_lost: 16 });
  });
});

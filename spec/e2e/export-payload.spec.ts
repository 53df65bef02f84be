import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { resetLogger, setLogger } from '../../src/telemetry/logger';
import { captureLogger } from './support/capture-logger';
import { EnvScope, OTEL_ENV_UNSET } from './support/env-scope';
import { ReceiverPool, runExportingFlow, telemetryTo } from './support/export-run';
import { rawContains } from './support/received';

describe('export e2e: no payload byte is ever exported', () => {
  const receivers = new ReceiverPool();
  const env = new EnvScope();
  beforeEach(() => env.set(OTEL_ENV_UNSET));
  afterEach(async () => {
    env.restore();
    resetLogger();
    await receivers.stopAll();
  });

  for (const compression of ['none', 'gzip'] as const) {
    it(`finds the payload marker in no request, while a deliberate attribute is found (compression ${compression})`, async () => {
      const id = randomUUID().slice(0, 8);
      const marker = `PAYLOAD-MARKER-${id}`;
      const derived = `DERIVED-MARKER-${id}`;
      // Controls: values that SHOULD be exported, so a search that finds nothing proves something.
      const taskControl = `CONTROL-TASK-${id}`;
      const resourceControl = `CONTROL-RESOURCE-${id}`;
      env.set({
        OTEL_EXPORTER_OTLP_COMPRESSION: compression,
        OTEL_RESOURCE_ATTRIBUTES: `e2e.control=${resourceControl}`,
      });
      const captured = captureLogger();
      setLogger(captured.logger);
      const r = await receivers.start();
      const { result } = await runExportingFlow({
        flow: `
flow:
  name: payload
  tasks:
    - generate: { name: src, interval: 5ms, count: 3, payload: { secret: "${marker}" } }
    - script: { name: ${taskControl}, code: "event.data.copy = '${derived}:' + event.data.secret; event" }
    - log: { name: out, include_payload: true }
`,
        telemetry: telemetryTo(r.endpoint),
        logger: captured.logger,
      });
      expect(result.stats['out']!.processed).to.equal(3);

      const raw = r.rawRequests();
      expect(raw.length).to.be.at.least(2);
      expect(r.exportCalls().every((c) => c.compressed === (compression === 'gzip'))).to.equal(
        true,
      );
      expect(rawContains(raw, taskControl), 'the task name (span attribute) is found').to.equal(
        true,
      );
      expect(rawContains(raw, resourceControl), 'the resource attribute is found').to.equal(true);
      expect(rawContains(raw, marker), 'the payload marker is exported').to.equal(false);
      expect(rawContains(raw, derived), 'data a script derived is exported').to.equal(false);
      // The payload did flow through the tasks: it reached the log lines (stderr), never OTLP.
      const logged = JSON.stringify(captured.lines());
      expect(logged, 'the log task did log the payload (to stderr, not OTLP)').to.contain(marker);
    });
  }
});

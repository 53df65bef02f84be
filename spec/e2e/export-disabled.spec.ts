import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { resetLogger, setLogger } from '../../src/telemetry/logger';
import { setTelemetryFailureListener } from '../../src/telemetry/telemetry-failure';
import { captureLogger } from './support/capture-logger';
import type { CapturedLogger } from './support/capture-logger';
import { startConnectionCounter } from './support/connection-counter';
import type { ConnectionCounter } from './support/connection-counter';
import { EnvScope, OTEL_ENV_UNSET } from './support/env-scope';
import { FAST_TELEMETRY, runExportingFlow } from './support/export-run';

const FLOW = `
flow:
  name: quiet
  tasks:
    - generate: { name: src, interval: 5ms, count: 3 }
    - log: { name: out }
`;

/** Longer than any export the FAST_TELEMETRY settings would have scheduled (100 ms spans, 200 ms metrics). */
const SETTLE_MS = 400;

describe('export e2e: telemetry off attempts no connection', () => {
  const env = new EnvScope();
  let counter: ConnectionCounter;
  let captured: CapturedLogger;
  let failures: unknown[];
  let previousListener: ReturnType<typeof setTelemetryFailureListener>;

  beforeEach(async () => {
    env.set(OTEL_ENV_UNSET);
    counter = await startConnectionCounter();
    captured = captureLogger();
    setLogger(captured.logger);
    failures = [];
    previousListener = setTelemetryFailureListener((error) => failures.push(error));
  });
  afterEach(async () => {
    setTelemetryFailureListener(previousListener);
    resetLogger();
    env.restore();
    await counter.close();
  });

  const endpoint = (): string => `http://127.0.0.1:${counter.port}`;

  it('enabled: false with otlp_endpoint at a listening port: zero connections, no error logged', async () => {
    const { result } = await runExportingFlow({
      flow: FLOW,
      telemetry: { ...FAST_TELEMETRY, enabled: false, otlp_endpoint: endpoint() },
      logger: captured.logger,
    });
    await sleep(SETTLE_MS);
    expect(result.stats['out']!.processed).to.equal(3);
    expect(counter.connections()).to.equal(0);
    expect(captured.errors()).to.deep.equal([]);
    expect(failures).to.deep.equal([]);
  });

  it('block omitted, even with OTEL_EXPORTER_OTLP_ENDPOINT at that port: zero connections, no error logged', async () => {
    env.set({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint() });
    const { result } = await runExportingFlow({
      flow: FLOW,
      telemetry: undefined,
      logger: captured.logger,
    });
    await sleep(SETTLE_MS);
    expect(result.stats['out']!.processed).to.equal(3);
    expect(counter.connections()).to.equal(0);
    expect(captured.errors()).to.deep.equal([]);
    expect(failures).to.deep.equal([]);
  });

  it('enabled: true at the same port does connect (the control: the counter sees exporters)', async () => {
    await runExportingFlow({
      flow: FLOW,
      telemetry: { ...FAST_TELEMETRY, enabled: true, otlp_endpoint: endpoint() },
      logger: captured.logger,
      providers: { shutdownTimeoutMs: 1000 },
    });
    expect(counter.connections()).to.be.greaterThan(0);
  });
});

import * as fs from 'node:fs';
import { expect } from 'chai';
import { exportScene, runExportingFlow, telemetryTo } from './support/export-run';
import { spansNamed } from './support/received';
import { OPENSSL, generateSelfSignedCert } from '../support/self-signed-cert';
import type { SelfSignedCert } from '../support/self-signed-cert';

const FLOW = `
flow:
  name: transport
  tasks:
    - generate: { name: src, interval: 5ms, count: 3 }
    - log: { name: out }
`;

const SPAN_NAMES = [
  'task.handle',
  'task.run',
  'task_manager.register',
  'task_manager.shutdown',
  'task_manager.start',
];

describe('export e2e: transport (gzip, headers, TLS)', () => {
  const { receivers, env } = exportScene();

  describe('OTEL_EXPORTER_OTLP_COMPRESSION', () => {
    it('gzip: every trace and metric request arrives compressed', async () => {
      env.set({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' });
      const r = await receivers.start();
      await runExportingFlow({ flow: FLOW, telemetry: telemetryTo(r.endpoint) });
      const calls = r.exportCalls();
      expect(calls.map((c) => c.service)).to.include.members(['traces', 'metrics']);
      for (const c of calls) {
        expect(c.compressed, `${c.service} call compressed`).to.equal(true);
        expect(c.metadata['grpc-encoding']).to.equal('gzip');
      }
      expect(spansNamed(r.spans(), 'task.handle')).to.have.length(6);
    });

    it('unset: requests arrive uncompressed (the control)', async () => {
      const r = await receivers.start();
      await runExportingFlow({ flow: FLOW, telemetry: telemetryTo(r.endpoint) });
      const calls = r.exportCalls();
      expect(calls).to.have.length.greaterThan(0);
      for (const c of calls) {
        expect(c.compressed, `${c.service} call compressed`).to.equal(false);
        expect(c.metadata['grpc-encoding']).to.equal('identity');
      }
    });
  });

  it('sends OTEL_EXPORTER_OTLP_HEADERS as gRPC metadata on trace and metric calls', async () => {
    env.set({ OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=secret123,x-team=core' });
    const r = await receivers.start();
    await runExportingFlow({ flow: FLOW, telemetry: telemetryTo(r.endpoint) });
    const calls = r.exportCalls();
    expect(calls.map((c) => c.service)).to.include.members(['traces', 'metrics']);
    for (const c of calls) {
      expect(c.metadata, `${c.service} call metadata`).to.include({
        'x-api-key': 'secret123',
        'x-team': 'core',
      });
    }
  });

  describe('TLS with a self-signed certificate', () => {
    let tls: SelfSignedCert | undefined;
    before(function () {
      if (!fs.existsSync(OPENSSL)) this.skip();
      tls = generateSelfSignedCert();
    });
    after(() => tls?.cleanup());

    it('exports over https:// when tls.ca_file names the CA', async () => {
      const r = await receivers.start({ tls: { cert: tls!.cert, key: tls!.key } });
      const { result } = await runExportingFlow({
        flow: FLOW,
        // localhost, not 127.0.0.1: Node warns when TLS SNI is set to an IP address.
        telemetry: telemetryTo(`https://localhost:${r.port}`, { tls: { ca_file: tls!.certPath } }),
      });
      expect(result.stats['out']!.processed).to.equal(3);
      expect([...new Set(r.spans().map((s) => s.name))].sort()).to.deep.equal(SPAN_NAMES);
      expect(r.metricPoints('task.handle.count')).to.have.length.greaterThan(0);
    });

    it('trusts the CA from OTEL_EXPORTER_OTLP_CERTIFICATE when tls.ca_file is not set', async () => {
      env.set({ OTEL_EXPORTER_OTLP_CERTIFICATE: tls!.certPath });
      const r = await receivers.start({ tls: { cert: tls!.cert, key: tls!.key } });
      await runExportingFlow({ flow: FLOW, telemetry: telemetryTo(`https://localhost:${r.port}`) });
      expect([...new Set(r.spans().map((s) => s.name))].sort()).to.deep.equal(SPAN_NAMES);
    });

    it('without the CA the export is refused, and the flow still completes within the shutdown bound', async () => {
      const shutdownTimeoutMs = 1500;
      const r = await receivers.start({ tls: { cert: tls!.cert, key: tls!.key } });
      const { result, elapsedMs } = await runExportingFlow({
        flow: FLOW,
        telemetry: telemetryTo(`https://localhost:${r.port}`),
        providers: { shutdownTimeoutMs },
      });
      expect(result.stats['src']).to.deep.equal({ processed: 3, failed: 0, emitted: 3 });
      expect(result.stats['out']).to.deep.equal({ processed: 3, failed: 0, emitted: 3 });
      // The flow itself takes a few ms; the rest is the bounded telemetry shutdown.
      expect(elapsedMs, 'runFlow returned within the shutdown bound').to.be.below(
        shutdownTimeoutMs + 1000,
      );
      expect(r.exportCalls(), 'no export call got through the TLS handshake').to.deep.equal([]);
      expect(r.spans()).to.deep.equal([]);
      expect(r.rawRequests()).to.deep.equal([]);
    });
  });
});

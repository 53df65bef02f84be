import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { OtlpReceiver } from '../../../src/collector';
import { exportWorkerEntry } from '../../../src/telemetry/export/export-worker-entry';
import { prepareExportWorker } from '../../../src/telemetry/export/export-worker-pool';
import { REPO_ROOT, assertBuilt } from '../../e2e/support/spawn-worker';

/*
 * The worker script must run from the package (compiled JS in dist/, no
 * ts-node) as well as from source under the specs' ts-node.
 */
describe('telemetry/export: the export worker script', function () {
  this.timeout(30_000);
  let receiver: OtlpReceiver | undefined;

  afterEach(async () => {
    await receiver?.stop();
    receiver = undefined;
  });

  it('under ts-node, runs the TypeScript source through the transpile-only register', () => {
    const entry = exportWorkerEntry();
    expect(entry.file).to.equal(join(REPO_ROOT, 'src/telemetry/export/span-export-worker.ts'));
    expect(entry.execArgv?.slice(-2)).to.deep.equal(['-r', 'ts-node/register/transpile-only']);
  });

  it('prepareExportWorker resolves true once the thread has loaded, false when it cannot start', async () => {
    expect(await prepareExportWorker()).to.equal(true);
    expect(await prepareExportWorker({ file: '/nonexistent/flowgen/worker.js' })).to.equal(false);
  });

  it('from dist/, a plain node process sends through the compiled worker thread', async () => {
    assertBuilt();
    receiver = await OtlpReceiver.start({ port: 0 });
    const script = `
      const { loadWorkerConfig } = require(${JSON.stringify(join(REPO_ROOT, 'dist/src'))});
      const { createTelemetryProviders } = require(${JSON.stringify(join(REPO_ROOT, 'dist/src/telemetry/create-providers'))});
      const worker = loadWorkerConfig({ telemetry: { enabled: true, otlp_endpoint: process.argv[1], service_name: 'from-dist', metrics_export_interval: '1h' } });
      const providers = createTelemetryProviders(worker.telemetry);
      const tracer = providers.tracerProvider.getTracer('dist-spec');
      (async () => {
        // Spans end before the thread is ready: they wait for it (forceFlush does not fall back).
        for (let i = 0; i < 100; i++) tracer.startSpan('from-dist-' + i).end();
        await providers.forceFlush();
        const stats = providers.exportStats();
        await providers.shutdown();
        process.stdout.write(JSON.stringify(stats));
      })();
    `;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['-e', script, receiver!.endpoint],
        { cwd: REPO_ROOT, timeout: 20_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const stats = JSON.parse(out) as {
      spans: { exportedItems: number; droppedItems: number };
      spanQueue: { workerThread: boolean };
    };
    expect(stats.spanQueue.workerThread, 'sent from the worker thread').to.equal(true);
    expect(stats.spans).to.include({ exportedItems: 100, droppedItems: 0 });
    const names = receiver.spans().map((s) => s.name);
    expect(names.filter((n) => n.startsWith('from-dist-'))).to.have.length(100);
  });
});

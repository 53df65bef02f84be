import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config-error';
import type { ConfigIssue } from '../../src/config/config-error';
import { DURATION_HELP } from '../../src/config/duration';
import { TelemetryConfig, loadTelemetryConfig } from '../../src/config/telemetry-config';

function issuesOf(raw: unknown): ConfigIssue[] {
  try {
    loadTelemetryConfig(raw);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  expect.fail(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe('config/telemetry-config', () => {
  describe('loadTelemetryConfig', () => {
    it('block omitted (undefined) or empty (null) → undefined: telemetry off', () => {
      expect(loadTelemetryConfig(undefined)).to.equal(undefined);
      expect(loadTelemetryConfig(null)).to.equal(undefined);
    });

    it('applies every default when only enabled is given', () => {
      const config = loadTelemetryConfig({ enabled: true });
      expect(config).to.be.instanceOf(TelemetryConfig);
      expect(config).to.deep.include({
        enabled: true,
        otlp_endpoint: 'http://localhost:4317',
        service_name: 'flowgen',
        metrics_export_interval: '60s',
      });
      expect(config?.metricsExportIntervalMs).to.equal(60_000);
      expect(config?.batch).to.deep.include({
        max_queue_size: 2048,
        max_export_batch_size: 512,
        scheduled_delay: '5s',
        export_timeout: '30s',
      });
      expect(config?.batch.scheduledDelayMs).to.equal(5_000);
      expect(config?.batch.exportTimeoutMs).to.equal(30_000);
      expect(config?.tls.ca_file).to.equal(undefined);
      expect(config?.endpoint).to.deep.equal({
        url: 'http://localhost:4317',
        target: 'localhost:4317',
        host: 'localhost',
        port: 4317,
        tls: false,
      });
    });

    it('enabled: false is a config with enabled false (still fully validated)', () => {
      const config = loadTelemetryConfig({ enabled: false, service_name: 'x' });
      expect(config?.enabled).to.equal(false);
      expect(issuesOf({ enabled: false, metrics_export_interval: 'often' })).to.have.length(1);
    });

    it('keeps given values and exposes parsed numbers', () => {
      const config = loadTelemetryConfig({
        enabled: true,
        otlp_endpoint: 'https://api.honeycomb.io',
        service_name: '  orders  ',
        metrics_export_interval: '1m30s',
        batch: { max_queue_size: 100, max_export_batch_size: 100, scheduled_delay: '500ms' },
      });
      expect(config?.service_name).to.equal('orders');
      expect(config?.metricsExportIntervalMs).to.equal(90_000);
      expect(config?.metricsExportTimeoutMs).to.equal(30_000);
      expect(config?.endpoint.url).to.equal('https://api.honeycomb.io:443');
      expect(config?.endpoint.tls).to.equal(true);
      expect(config?.batch.max_queue_size).to.equal(100);
      expect(config?.batch.export_timeout).to.equal('30s');
    });

    it('caps the metric export timeout at the export interval', () => {
      const config = loadTelemetryConfig({ enabled: true, metrics_export_interval: '10s' });
      expect(config?.metricsExportTimeoutMs).to.equal(10_000);
    });

    it('passes file and block-relative lines into issues', () => {
      let error: ConfigError | undefined;
      try {
        loadTelemetryConfig(
          { enabled: true, service_name: '' },
          { file: 'worker.yaml', lineOf: (path) => (path[0] === 'service_name' ? 7 : undefined) },
        );
      } catch (e) {
        error = e as ConfigError;
      }
      expect(error?.issues[0]).to.deep.include({
        path: 'telemetry.service_name',
        file: 'worker.yaml',
        line: 7,
      });
      expect(error?.message.split('\n')[0]).to.equal('Invalid config in worker.yaml:');
    });

    it('does not coerce enabled: "true" (a string)', () => {
      const [issue, ...rest] = issuesOf({ enabled: 'true' });
      expect(rest).to.deep.equal([]);
      expect(issue).to.deep.include({ path: 'telemetry.enabled', value: 'true', kind: 'invalid' });
      expect(issue?.message).to.match(/must be true or false, unquoted/);
    });

    it('requires enabled when the block is present', () => {
      const [issue] = issuesOf({ service_name: 'x' });
      expect(issue).to.deep.include({ path: 'telemetry.enabled', kind: 'missing' });
      expect(issue?.message).to.match(/^required; must be true or false/);
    });

    it('rejects a block that is not a mapping', () => {
      for (const raw of [true, 'yes', 1, ['enabled']]) {
        const [issue] = issuesOf(raw);
        expect(issue?.path).to.equal('telemetry');
        expect(issue?.message).to.match(/must be a mapping with the keys enabled, otlp_endpoint/);
      }
    });

    it('reports an unknown key with a did-you-mean and the allowed keys', () => {
      const [issue] = issuesOf({ enabled: true, otlp_endpiont: 'http://collector:4317' });
      expect(issue).to.deep.include({ path: 'telemetry.otlp_endpiont', kind: 'unknown-key' });
      expect(issue?.message).to.equal(
        'unknown key; did you mean "otlp_endpoint"? Allowed keys: enabled, otlp_endpoint, service_name, metrics_export_interval, batch, tls',
      );
    });

    it('reports unknown keys inside nested blocks, and keys naming a getter', () => {
      const issues = issuesOf({
        enabled: true,
        batch: { max_queue: 10 },
        tls: { cafile: 'x' },
        metricsExportIntervalMs: 5,
      });
      const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
      expect(byPath['telemetry.batch.max_queue']).to.match(/did you mean "max_queue_size"/);
      expect(byPath['telemetry.tls.cafile']).to.match(
        /did you mean "ca_file"\? Allowed keys: ca_file/,
      );
      expect(byPath['telemetry.metricsExportIntervalMs']).to.match(
        /did you mean "metrics_export_interval"/,
      );
    });

    describe('every bad value names the path, the value and what is allowed', () => {
      const bad: Array<[string, Record<string, unknown>, string, unknown, RegExp]> = [
        ['enabled as string', { enabled: 'yes' }, 'enabled', 'yes', /true or false/],
        ['enabled as number', { enabled: 1 }, 'enabled', 1, /true or false/],
        ['enabled null', { enabled: null }, 'enabled', null, /true or false/],
        [
          'endpoint grpc://',
          { otlp_endpoint: 'grpc://collector:4317' },
          'otlp_endpoint',
          'grpc://collector:4317',
          /scheme grpc:\/\/ is not supported; use http:\/\/ for plaintext or https:\/\/ for TLS/,
        ],
        [
          'endpoint without scheme',
          { otlp_endpoint: 'localhost:4317' },
          'otlp_endpoint',
          'localhost:4317',
          /has no scheme/,
        ],
        [
          'endpoint with path',
          { otlp_endpoint: 'http://collector:4318/v1/traces' },
          'otlp_endpoint',
          'http://collector:4318/v1/traces',
          /must not have a path.*OTLP\/HTTP/,
        ],
        [
          'endpoint http without port',
          { otlp_endpoint: 'http://collector' },
          'otlp_endpoint',
          'http://collector',
          /needs a port for http, e\.g\. http:\/\/collector:4317/,
        ],
        [
          'endpoint bad port',
          { otlp_endpoint: 'http://collector:99999' },
          'otlp_endpoint',
          'http://collector:99999',
          /port must be between 1 and 65535/,
        ],
        [
          'endpoint with query',
          { otlp_endpoint: 'https://collector:4317?x=1' },
          'otlp_endpoint',
          'https://collector:4317?x=1',
          /query or fragment/,
        ],
        [
          'endpoint with credentials',
          { otlp_endpoint: 'https://u:p@collector:4317' },
          'otlp_endpoint',
          'https://u:p@collector:4317',
          /must not contain credentials; send them as headers through OTEL_EXPORTER_OTLP_HEADERS/,
        ],
        ['endpoint empty', { otlp_endpoint: '' }, 'otlp_endpoint', '', /is empty/],
        ['endpoint number', { otlp_endpoint: 4317 }, 'otlp_endpoint', 4317, /must be a string/],
        [
          'endpoint garbage',
          { otlp_endpoint: 'http://' },
          'otlp_endpoint',
          'http://',
          /not a valid URL|no host/,
        ],
        ['service_name empty', { service_name: '' }, 'service_name', '', /must not be empty/],
        ['service_name blank', { service_name: '   ' }, 'service_name', '', /must not be empty/],
        ['service_name number', { service_name: 42 }, 'service_name', 42, /must be a string/],
        [
          'interval bare number',
          { metrics_export_interval: 60 },
          'metrics_export_interval',
          60,
          /bare number has no unit/,
        ],
        [
          'interval zero',
          { metrics_export_interval: '0s' },
          'metrics_export_interval',
          '0s',
          /greater than zero/,
        ],
        [
          'interval negative',
          { metrics_export_interval: '-30s' },
          'metrics_export_interval',
          '-30s',
          /negative/,
        ],
        [
          'interval garbage',
          { metrics_export_interval: 'often' },
          'metrics_export_interval',
          'often',
          /not a duration/,
        ],
        [
          'interval overflow',
          { metrics_export_interval: '10000h' },
          'metrics_export_interval',
          '10000h',
          /too long/,
        ],
        [
          'queue size zero',
          { batch: { max_queue_size: 0 } },
          'batch.max_queue_size',
          0,
          /whole number of at least 1/,
        ],
        [
          'queue size fraction',
          { batch: { max_queue_size: 1.5 } },
          'batch.max_queue_size',
          1.5,
          /whole number of at least 1/,
        ],
        [
          'queue size string',
          { batch: { max_queue_size: '10' } },
          'batch.max_queue_size',
          '10',
          /whole number of at least 1/,
        ],
        [
          'batch size negative',
          { batch: { max_export_batch_size: -1 } },
          'batch.max_export_batch_size',
          -1,
          /whole number of at least 1/,
        ],
        [
          'batch size over queue',
          { batch: { max_queue_size: 10, max_export_batch_size: 11 } },
          'batch.max_export_batch_size',
          11,
          /at most max_queue_size \(10\)/,
        ],
        [
          'scheduled_delay bad',
          { batch: { scheduled_delay: '5' } },
          'batch.scheduled_delay',
          '5',
          /bare number/,
        ],
        [
          'export_timeout bad',
          { batch: { export_timeout: 'forever' } },
          'batch.export_timeout',
          'forever',
          /not a duration/,
        ],
        [
          'batch not a mapping',
          { batch: 512 },
          'batch',
          512,
          /must be a mapping with the keys max_queue_size, max_export_batch_size, scheduled_delay, export_timeout/,
        ],
        ['batch null', { batch: null }, 'batch', null, /must be a mapping/],
        ['tls a list', { tls: ['a'] }, 'tls', ['a'], /must be a mapping with the keys ca_file/],
        [
          'ca_file empty',
          { otlp_endpoint: 'https://c:4317', tls: { ca_file: '' } },
          'tls.ca_file',
          '',
          /must not be empty/,
        ],
        [
          'ca_file missing file',
          { otlp_endpoint: 'https://c:4317', tls: { ca_file: '/nonexistent/ca.pem' } },
          'tls.ca_file',
          '/nonexistent/ca.pem',
          /\/nonexistent\/ca\.pem does not exist; give the path of a readable PEM file/,
        ],
        [
          'ca_file a directory',
          { otlp_endpoint: 'https://c:4317', tls: { ca_file: tmpdir() } },
          'tls.ca_file',
          tmpdir(),
          /is not a file/,
        ],
      ];
      for (const [name, fields, path, value, allowed] of bad) {
        it(name, () => {
          const issues = issuesOf({ enabled: true, ...fields });
          expect(issues.map((i) => i.path)).to.deep.equal([`telemetry.${path}`]);
          const [issue] = issues;
          expect(issue?.value).to.deep.equal(value);
          expect(issue?.message).to.match(allowed);
          let message = '';
          try {
            loadTelemetryConfig({ enabled: true, ...fields });
          } catch (error) {
            message = (error as Error).message;
          }
          expect(message).to.include(`telemetry.${path}: `);
        });
      }
    });

    it('every duration field explains the grammar', () => {
      const issues = issuesOf({
        enabled: true,
        metrics_export_interval: 'x',
        batch: { scheduled_delay: 'y', export_timeout: 'z' },
      });
      expect(issues).to.have.length(3);
      for (const issue of issues) expect(issue.message).to.include(DURATION_HELP);
    });

    it('reports several bad values at once, in one error', () => {
      let error: unknown;
      try {
        loadTelemetryConfig({
          enabled: 'true',
          otlp_endpiont: 'http://c:4317',
          otlp_endpoint: 'grpc://c:4317',
          service_name: '',
          metrics_export_interval: 60,
          batch: { max_queue_size: 0, scheduled_delay: 'soon' },
        });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ConfigError);
      const configError = error as ConfigError;
      expect(configError.code).to.equal('FLOWGEN_CONFIG_INVALID');
      expect(configError.issues.map((i) => i.path)).to.have.members([
        'telemetry.enabled',
        'telemetry.otlp_endpiont',
        'telemetry.otlp_endpoint',
        'telemetry.service_name',
        'telemetry.metrics_export_interval',
        'telemetry.batch.max_queue_size',
        'telemetry.batch.scheduled_delay',
      ]);
      const lines = configError.message.split('\n');
      expect(lines[0]).to.equal('Invalid config:');
      expect(lines).to.have.length(8);
      expect(configError.message).to.include(
        '  - telemetry.enabled: got "true"; must be true or false',
      );
      expect(configError.message).to.include('  - telemetry.metrics_export_interval: got 60; ');
    });

    describe('tls.ca_file', () => {
      const dir = mkdtempSync(join(tmpdir(), 'flowgen-tls-'));
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');

      it('accepts a readable file with an https endpoint', () => {
        const config = loadTelemetryConfig({
          enabled: true,
          otlp_endpoint: 'https://collector:4317',
          tls: { ca_file: caFile },
        });
        expect(config?.tls.ca_file).to.equal(caFile);
        expect(config?.tls.caFilePath).to.equal(caFile);
      });

      it('rejects it with an http endpoint (it would be ignored)', () => {
        const [issue] = issuesOf({ enabled: true, tls: { ca_file: caFile } });
        expect(issue?.path).to.equal('telemetry.tls.ca_file');
        expect(issue?.message).to.match(/only used with an https:\/\/ otlp_endpoint/);
      });
    });
  });
});

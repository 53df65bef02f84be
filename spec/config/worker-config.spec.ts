import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config-error';
import { RetryConfig } from '../../src/config/retry-config';
import { TelemetryConfig } from '../../src/config/telemetry-config';
import {
  WorkerConfig,
  loadWorkerConfig,
  loadWorkerConfigFile,
} from '../../src/config/worker-config';

const dir = mkdtempSync(join(tmpdir(), 'flowgen-config-'));
let counter = 0;
function writeYaml(text: string): string {
  const file = join(dir, `worker-${++counter}.yaml`);
  writeFileSync(file, text);
  return file;
}

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  expect.fail('expected a ConfigError');
}

describe('config/worker-config', () => {
  describe('loadWorkerConfig (plain objects)', () => {
    it('applies defaults everywhere; telemetry stays off when omitted', () => {
      const config = loadWorkerConfig({});
      expect(config).to.be.instanceOf(WorkerConfig);
      expect(config.telemetry).to.equal(undefined);
      expect(config.retry).to.be.instanceOf(RetryConfig);
      expect(config.retry).to.deep.include({
        max_attempts: 3,
        initial_backoff: '100ms',
        max_backoff: '5s',
      });
      expect(config.retry.initialBackoffMs).to.equal(100);
      expect(config.retry.maxBackoffMs).to.equal(5_000);
      expect(config.shutdown_timeout).to.equal('10s');
      expect(config.shutdownTimeoutMs).to.equal(10_000);
      expect(config.handler_timeout).to.equal(undefined);
      expect(config.handlerTimeoutMs).to.equal(undefined);
    });

    it('treats an empty document (null) as all defaults and `telemetry:` (null) as off', () => {
      expect(loadWorkerConfig(null).shutdownTimeoutMs).to.equal(10_000);
      expect(loadWorkerConfig({ telemetry: null }).telemetry).to.equal(undefined);
    });

    it('builds nested config classes with their own defaults', () => {
      const config = loadWorkerConfig({
        telemetry: { enabled: true },
        retry: { max_attempts: 5 },
        handler_timeout: '1m30s',
      });
      expect(config.telemetry).to.be.instanceOf(TelemetryConfig);
      expect(config.telemetry?.service_name).to.equal('flowgen');
      expect(config.retry.max_attempts).to.equal(5);
      expect(config.retry.max_backoff).to.equal('5s');
      expect(config.handlerTimeoutMs).to.equal(90_000);
    });

    it('rejects unknown top-level keys, bad values, and max_backoff < initial_backoff', () => {
      const error = errorOf(() =>
        loadWorkerConfig({
          telemetri: { enabled: true },
          retry: { max_attempts: 0, initial_backoff: 'fast' },
          shutdown_timeout: 10,
          handler_timeout: null,
        }),
      );
      const byPath = Object.fromEntries(error.issues.map((i) => [i.path, i.message]));
      expect(Object.keys(byPath)).to.have.members([
        'telemetri',
        'retry.max_attempts',
        'retry.initial_backoff',
        'shutdown_timeout',
        'handler_timeout',
      ]);
      expect(byPath['telemetri']).to.match(/did you mean "telemetry"\?/);
      expect(byPath['shutdown_timeout']).to.match(/bare number/);

      const order = errorOf(() =>
        loadWorkerConfig({ retry: { initial_backoff: '10s', max_backoff: '1s' } }),
      );
      expect(order.issues).to.have.length(1);
      expect(order.issues[0]).to.deep.include({ path: 'retry.max_backoff', value: '1s' });
      expect(order.issues[0]?.message).to.equal('must be at least initial_backoff (10s)');
    });

    it('rejects a document that is not a mapping', () => {
      const error = errorOf(() => loadWorkerConfig(['telemetry']));
      expect(error.issues[0]?.path).to.equal('');
      expect(error.message).to.include(
        '(document): got a list of 1 item; must be a mapping with the keys telemetry, retry, shutdown_timeout, handler_timeout',
      );
    });
  });

  describe('loadWorkerConfigFile (YAML)', () => {
    it('loads a valid file', () => {
      const file = writeYaml(
        [
          'telemetry:',
          '  enabled: true',
          '  otlp_endpoint: "http://otel-collector:4317"',
          '  service_name: flowgen-dev',
          '  metrics_export_interval: 10s',
          'retry:',
          '  max_attempts: 4',
          'shutdown_timeout: 30s',
          '',
        ].join('\n'),
      );
      const config = loadWorkerConfigFile(file);
      expect(config.telemetry?.enabled).to.equal(true);
      expect(config.telemetry?.endpoint.target).to.equal('otel-collector:4317');
      expect(config.telemetry?.metricsExportIntervalMs).to.equal(10_000);
      expect(config.retry.max_attempts).to.equal(4);
      expect(config.shutdownTimeoutMs).to.equal(30_000);
    });

    it('an empty file means all defaults', () => {
      expect(loadWorkerConfigFile(writeYaml('')).telemetry).to.equal(undefined);
      expect(loadWorkerConfigFile(writeYaml('# nothing\n')).retry.max_attempts).to.equal(3);
    });

    it('gives every issue the file and the line of the offending key', () => {
      const file = writeYaml(
        [
          '# worker config', //                      1
          'telemetry:', //                           2
          '  enabled: "true"', //                    3
          '  otlp_endpiont: http://c:4317', //       4
          '  metrics_export_interval: 60', //        5
          '  batch:', //                             6
          '    max_queue_size: 0', //                7
          'retry:', //                               8
          '  max_attempts: 1.5', //                  9
          'handler_timout: 5s', //                  10
          '',
        ].join('\n'),
      );
      const error = errorOf(() => loadWorkerConfigFile(file));
      expect(error.issues.map((i) => [i.path, i.line, i.file])).to.deep.equal([
        ['telemetry.enabled', 3, file],
        ['telemetry.otlp_endpiont', 4, file],
        ['telemetry.metrics_export_interval', 5, file],
        ['telemetry.batch.max_queue_size', 7, file],
        ['retry.max_attempts', 9, file],
        ['handler_timout', 10, file],
      ]);
      const lines = error.message.split('\n');
      expect(lines[0]).to.equal(`Invalid config in ${file}:`);
      expect(lines[2]).to.equal(
        '  - telemetry.otlp_endpiont (line 4): unknown key; did you mean "otlp_endpoint"? Allowed keys: enabled, otlp_endpoint, service_name, metrics_export_interval, batch, tls',
      );
      expect(lines[3]).to.match(/^ {2}- telemetry\.metrics_export_interval \(line 5\): got 60; /);
    });

    it('points a missing required key at its block, and flow-style maps at their line', () => {
      const file = writeYaml('retry: { max_attempts: 2 }\ntelemetry:\n  service_name: x\n');
      const error = errorOf(() => loadWorkerConfigFile(file));
      expect(error.issues).to.have.length(1);
      expect(error.issues[0]).to.deep.include({
        path: 'telemetry.enabled',
        line: 2,
        kind: 'missing',
      });

      const flow = writeYaml('retry: { max_attempts: 0 }\n');
      expect(errorOf(() => loadWorkerConfigFile(flow)).issues[0]).to.deep.include({
        path: 'retry.max_attempts',
        line: 1,
      });
    });

    it('does not coerce YAML 1.1 booleans (yes/on are strings)', () => {
      const error = errorOf(() => loadWorkerConfigFile(writeYaml('telemetry:\n  enabled: yes\n')));
      expect(error.issues[0]).to.deep.include({ path: 'telemetry.enabled', value: 'yes', line: 2 });
    });

    it('turns YAML syntax errors into issues with line and column', () => {
      const file = writeYaml('telemetry:\n  enabled: true\n  service_name: x: y\n');
      const error = errorOf(() => loadWorkerConfigFile(file));
      expect(error.issues).to.have.length(1);
      expect(error.issues[0]).to.deep.include({ kind: 'syntax', file, line: 3, column: 17 });
      expect(error.message).to.equal(
        `Invalid config in ${file}:\n  - line 3, column 17: YAML syntax error: Nested mappings are not allowed in compact mappings; fix the YAML at this position`,
      );
      const tabs = errorOf(() => loadWorkerConfigFile(writeYaml('retry:\n\tmax_attempts: 2\n')));
      expect(tabs.issues[0]).to.deep.include({ line: 2, column: 1 });
      expect(tabs.issues[0]?.message).to.match(/Tabs are not allowed as indentation/);
    });

    it('reports duplicate keys as a syntax error at the duplicate', () => {
      const file = writeYaml('shutdown_timeout: 5s\nretry: {}\nshutdown_timeout: 6s\n');
      const error = errorOf(() => loadWorkerConfigFile(file));
      expect(error.issues[0]).to.deep.include({ kind: 'syntax', line: 3 });
      expect(error.issues[0]?.message).to.match(/unique/);
    });

    it('a missing file is a ConfigError saying the path does not exist', () => {
      const file = join(dir, 'nope.yaml');
      const error = errorOf(() => loadWorkerConfigFile(file));
      expect(error.code).to.equal('FLOWGEN_CONFIG_INVALID');
      expect(error.issues[0]).to.deep.include({ kind: 'file', file });
      expect(error.message).to.include(`config file ${file} does not exist`);
    });

    it('a directory is a ConfigError too', () => {
      const error = errorOf(() => loadWorkerConfigFile(dir));
      expect(error.message).to.include('is a directory');
    });
  });
});

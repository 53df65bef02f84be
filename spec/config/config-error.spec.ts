import { expect } from 'chai';
import {
  CONFIG_INVALID_CODE,
  ConfigError,
  formatConfigIssues,
} from '../../src/config/config-error';
import { describeValue } from '../../src/config/describe-value';
import { FlowgenError } from '../../src/errors/flowgen-error';

describe('config/config-error', () => {
  it('is a FlowgenError with code FLOWGEN_CONFIG_INVALID and frozen issues', () => {
    const error = new ConfigError([{ path: 'a', value: 1, message: 'must be 2' }]);
    expect(error).to.be.instanceOf(FlowgenError);
    expect(error.name).to.equal('ConfigError');
    expect(error.code).to.equal(CONFIG_INVALID_CODE).and.equal('FLOWGEN_CONFIG_INVALID');
    expect(Object.isFrozen(error.issues)).to.equal(true);
  });

  it('lists every issue on its own line, with the file in the heading when shared', () => {
    const message = formatConfigIssues([
      {
        path: 'telemetry.enabled',
        value: 'true',
        message: 'must be true or false',
        file: 'worker.yaml',
        line: 3,
      },
      {
        path: 'telemetry.otlp_endpiont',
        value: 'http://c:4317',
        kind: 'unknown-key',
        message: 'unknown key; did you mean "otlp_endpoint"? Allowed keys: enabled, otlp_endpoint',
        file: 'worker.yaml',
        line: 4,
      },
      {
        path: 'telemetry.enabled',
        value: undefined,
        kind: 'missing',
        message: 'required',
        file: 'worker.yaml',
      },
    ]);
    expect(message).to.equal(
      [
        'Invalid config in worker.yaml:',
        '  - telemetry.enabled (line 3): got "true"; must be true or false',
        '  - telemetry.otlp_endpiont (line 4): unknown key; did you mean "otlp_endpoint"? Allowed keys: enabled, otlp_endpoint',
        '  - telemetry.enabled: required',
      ].join('\n'),
    );
  });

  it('names the file on each line when issues come from several files', () => {
    const message = formatConfigIssues([
      { path: 'a', value: 1, message: 'm', file: 'one.yaml', line: 1 },
      { path: 'b', value: 2, message: 'm', file: 'two.yaml' },
    ]);
    expect(message).to.equal(
      'Invalid config:\n  - a (one.yaml line 1): got 1; m\n  - b (two.yaml): got 2; m',
    );
  });

  it('never prints secret-looking values', () => {
    const message = formatConfigIssues([
      { path: 'config.headers.authorization', value: 'Bearer abc123', message: 'm' },
      { path: 'config.api_key', value: 'k-123', message: 'm' },
      { path: 'config.url', value: 'https://user:hunter2@host:4317', message: 'm' },
      { path: 'config.other', value: 'Basic dXNlcjpwYXNz', message: 'm' },
    ]);
    expect(message).not.to.include('abc123');
    expect(message).not.to.include('k-123');
    expect(message).not.to.include('hunter2');
    expect(message).not.to.include('dXNlcjpwYXNz');
    expect(message).to.include('"https://user:***@host:4317"');
  });

  describe('describeValue', () => {
    const cases: Array<[unknown, string]> = [
      [undefined, 'nothing'],
      [null, 'null'],
      ['true', '"true"'],
      [true, 'true'],
      [60, '60'],
      [[], 'a list of 0 items'],
      [[1], 'a list of 1 item'],
      [{}, 'an empty mapping'],
      [{ a: 1, b: 2 }, 'a mapping with keys a, b'],
      [{ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }, 'a mapping with keys a, b, c, d, e, …'],
    ];
    for (const [value, text] of cases) {
      it(`${JSON.stringify(value)} → ${text}`, () => {
        expect(describeValue(value)).to.equal(text);
      });
    }

    it('truncates long strings and gives their length', () => {
      const text = describeValue('x'.repeat(500));
      expect(text).to.have.length.below(90);
      expect(text).to.match(/…" \(500 characters\)$/);
    });

    it('redacts by path, but still shows booleans', () => {
      expect(describeValue('v', 'headers.x-team')).to.equal('<redacted>');
      expect(describeValue('v', 'password')).to.equal('<redacted>');
      expect(describeValue({ a: 1 }, 'secret')).to.equal('<redacted>');
      expect(describeValue(true, 'token_enabled')).to.equal('true');
    });
  });
});

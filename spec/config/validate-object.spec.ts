import { expect } from 'chai';
import { IsInt, IsString, Min } from 'class-validator';
import { ConfigBlock } from '../../src/config/config-block';
import { ConfigError } from '../../src/config/config-error';
import { allowedConfigKeys } from '../../src/config/config-keys';
import { formatConfigPath } from '../../src/config/config-path';
import { editDistance, suggestKey } from '../../src/config/did-you-mean';
import { IsDuration } from '../../src/config/is-duration';
import { collectConfigIssues, validateConfig } from '../../src/config/validate-object';
import type { ConfigRefinementIssue, RefinableConfig } from '../../src/config/validate-object';
import { parseYamlConfig } from '../../src/config/read-yaml-config';
import { WorkerConfig } from '../../src/config/worker-config';

class Inner implements RefinableConfig {
  @Min(1, { message: 'must be at least 1' })
  @IsInt({ message: 'must be a whole number' })
  low: number = 1;

  @Min(1, { message: 'must be at least 1' })
  @IsInt({ message: 'must be a whole number' })
  high: number = 10;

  refineConfig(): ConfigRefinementIssue[] {
    return this.low <= this.high
      ? []
      : [{ path: ['low'], value: this.low, message: 'must be at most high' }];
  }
}

class Outer {
  @IsString({ message: 'must be a string' })
  url: string = 'http://x';

  @IsDuration()
  timeout: string = '1s';

  @ConfigBlock(() => Inner)
  inner: Inner = new Inner();

  get timeoutLabel(): string {
    return `timeout ${this.timeout}`;
  }

  describe(): string {
    return this.url;
  }
}

function issuesOf(
  raw: unknown,
  path = 'tasks[0].config',
): ReturnType<typeof collectConfigIssues>['issues'] {
  return collectConfigIssues(Outer, raw, { path }).issues;
}

function issuesOfClass(
  cls: new () => object,
  raw: unknown,
): ReturnType<typeof collectConfigIssues>['issues'] {
  return collectConfigIssues(cls, raw).issues;
}

describe('config/validate-object', () => {
  it('returns an instance with defaults for omitted keys (and explicit undefined)', () => {
    const value = validateConfig(Outer, {
      url: 'http://y',
      timeout: undefined,
      inner: { high: 3 },
    });
    expect(value).to.be.instanceOf(Outer);
    expect(value.inner).to.be.instanceOf(Inner);
    expect(value).to.deep.include({ url: 'http://y', timeout: '1s' });
    expect(value.inner).to.deep.include({ low: 1, high: 3 });
  });

  it('does not mutate its input', () => {
    const raw = { inner: { high: 3 } };
    validateConfig(Outer, raw);
    expect(raw).to.deep.equal({ inner: { high: 3 } });
  });

  it('does not coerce types', () => {
    expect(issuesOf({ inner: { high: '3' } }).map((i) => [i.path, i.value])).to.deep.equal([
      ['tasks[0].config.inner.high', '3'],
    ]);
  });

  it('prefixes paths, formats indexes, and asks lineOf with paths relative to the value', () => {
    const asked: string[][] = [];
    const { issues } = collectConfigIssues(
      Outer,
      { timeout: 'x', inner: { low: 0 } },
      {
        path: 'tasks[2].config',
        file: 'flow.yaml',
        lineOf: (path) => {
          asked.push(path);
          return path.length * 10;
        },
      },
    );
    expect(asked).to.deep.include.members([['timeout'], ['inner', 'low']]);
    expect(issues.map((i) => [i.path, i.line, i.file])).to.deep.equal([
      ['tasks[2].config.timeout', 10, 'flow.yaml'],
      ['tasks[2].config.inner.low', 20, 'flow.yaml'],
    ]);
    expect(formatConfigPath('', ['tasks', 2, 'config'])).to.equal('tasks[2].config');
    expect(formatConfigPath('a', ['0'])).to.equal('a[0]');
  });

  it('rejects a non-mapping with the allowed keys', () => {
    for (const raw of [null, 3, 'x', [], new Date(0)]) {
      const { value, issues } = collectConfigIssues(Outer, raw, { path: 'x' });
      expect(value).to.equal(undefined);
      expect(issues).to.have.length(1);
      expect(issues[0]?.message).to.equal('must be a mapping with the keys url, timeout, inner');
    }
    const [missing] = collectConfigIssues(Outer, undefined, { path: 'x' }).issues;
    expect(missing).to.deep.include({
      kind: 'missing',
      message: 'is required: a mapping with the keys url, timeout, inner',
    });
    expect(() => validateConfig(Outer, 5)).to.throw(ConfigError);
  });

  it('reports unknown keys at every depth, including names of getters and methods', () => {
    const paths = issuesOf({ urll: 'x', timeoutLabel: 'y', describe: 1, inner: { hihg: 2 } }).map(
      (i) => [i.path, i.kind, i.message.split(' Allowed')[0]],
    );
    expect(paths).to.deep.include.members([
      ['tasks[0].config.urll', 'unknown-key', 'unknown key; did you mean "url"?'],
      ['tasks[0].config.timeoutLabel', 'unknown-key', 'unknown key; did you mean "timeout"?'],
      ['tasks[0].config.describe', 'unknown-key', 'unknown key.'],
      ['tasks[0].config.inner.hihg', 'unknown-key', 'unknown key; did you mean "high"?'],
    ]);
  });

  it('never lets __proto__ or constructor keys through', () => {
    const raw = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}') as unknown;
    const { value, issues } = collectConfigIssues(Outer, raw, { path: '' });
    expect(issues.map((i) => i.path)).to.have.members(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    expect(Object.getPrototypeOf(value)).to.equal(Outer.prototype);
  });

  it('runs refineConfig only on objects whose fields are valid', () => {
    expect(issuesOf({ inner: { low: 5, high: 2 } }).map((i) => [i.path, i.message])).to.deep.equal([
      ['tasks[0].config.inner.low', 'must be at most high'],
    ]);
    expect(issuesOf({ inner: { low: 5, high: 'two' } }).map((i) => i.path)).to.deep.equal([
      'tasks[0].config.inner.high',
    ]);
  });

  it('collects every issue into one ConfigError', () => {
    expect(() =>
      validateConfig(
        Outer,
        { url: 1, timeout: 2, inner: { low: 0, high: 0, x: 1 } },
        { path: 'p' },
      ),
    )
      .to.throw(ConfigError)
      .with.property('issues')
      .with.length(5);
  });

  it('reports a type error, not a range error, for `"5"` against @IsInt() @Min(0)', () => {
    class Inventory {
      @IsInt() @Min(0) stock = 100;
    }
    const error = (() => {
      try {
        validateConfig(Inventory, { stock: '5' });
      } catch (e) {
        return e as ConfigError;
      }
      return expect.fail('"5" was accepted');
    })();
    expect(error.issues).to.have.length(1);
    expect(error.issues[0]?.message).to.equal('stock must be an integer number');
    expect(error.message).not.to.contain('less than');
    // Only the range check fails for a whole number out of range.
    expect(issuesOfClass(Inventory, { stock: -1 })[0]?.message).to.equal(
      'stock must not be less than 0',
    );
    // The type checks (all of them) win whatever the decorator order.
    class Reversed {
      @Min(0) @IsInt() stock = 100;
    }
    expect(issuesOfClass(Reversed, { stock: 2.5 })[0]?.message).to.equal(
      'stock must be an integer number',
    );
  });

  it('checks 40k unknown keys (390 KB of YAML) in linear time, each with its line', function () {
    this.timeout(60_000);
    const lines = ['telemetry:', '  enabled: false'];
    for (let i = 0; i < 20_000; i++) lines.push(`  tel_${i}: ${i}`);
    for (let i = 0; i < 20_000; i++) lines.push(`top_${i}: ${i}`);
    const text = `${lines.join('\n')}\n`;
    expect(text.length).to.be.above(390_000);
    const started = process.hrtime.bigint();
    const source = parseYamlConfig(text, 'many.yaml');
    const { issues } = collectConfigIssues(WorkerConfig, source.value, {
      file: 'many.yaml',
      lineOf: source.lineOf,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    expect(issues).to.have.length(40_000);
    expect(issues.every((i) => i.kind === 'unknown-key')).to.equal(true);
    expect(issues[0]).to.include({ path: 'telemetry.tel_0', line: 3 });
    expect(issues[39_999]).to.include({ path: 'top_19999', line: 40_002 });
    // Quadratic checking took 36.6 s here; linear takes about 1 s. A generous bound for CI.
    expect(seconds, `${seconds.toFixed(1)} s`).to.be.below(10);
  });

  it('lists allowed keys in declaration order', () => {
    expect(allowedConfigKeys(Outer)).to.deep.equal(['url', 'timeout', 'inner']);
  });

  describe('did-you-mean', () => {
    it('counts an adjacent swap as one edit', () => {
      expect(editDistance('otlp_endpiont', 'otlp_endpoint')).to.equal(1);
      expect(editDistance('', 'abc')).to.equal(3);
      expect(editDistance('kitten', 'sitting')).to.equal(3);
    });

    it('suggests close keys, case and separator variants, and truncations; nothing for unrelated', () => {
      const keys = ['enabled', 'otlp_endpoint', 'service_name', 'metrics_export_interval'];
      expect(suggestKey('otlp_endpiont', keys)).to.equal('otlp_endpoint');
      expect(suggestKey('serviceName', keys)).to.equal('service_name');
      expect(suggestKey('Enabled', keys)).to.equal('enabled');
      expect(suggestKey('enable', keys)).to.equal('enabled');
      expect(suggestKey('metrics_export', keys)).to.equal('metrics_export_interval');
      expect(suggestKey('colour', keys)).to.equal(undefined);
      expect(suggestKey('x', keys)).to.equal(undefined);
    });
  });
});

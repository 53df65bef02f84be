import { expect } from 'chai';
import { validateSync } from 'class-validator';
import {
  DURATION_HELP,
  MAX_DURATION_MS,
  formatDuration,
  parseDuration,
  tryParseDuration,
} from '../../src/config/duration';
import { IsDuration } from '../../src/config/is-duration';
import { FlowgenError } from '../../src/errors/flowgen-error';

describe('config/duration', () => {
  describe('parseDuration accepts', () => {
    const good: Array<[string, number]> = [
      ['500ms', 500],
      ['1ms', 1],
      ['30s', 30_000],
      ['1m', 60_000],
      ['5m', 300_000],
      ['1m30s', 90_000],
      ['2h', 7_200_000],
      ['1h30m', 5_400_000],
      ['1h0m5s', 3_605_000],
      ['1s500ms', 1_500],
      ['1.5s', 1_500],
      ['0.5h', 1_800_000],
      ['1.25m', 75_000],
      ['0.001s', 1],
      ['0m30s', 30_000],
      ['1h2m3s4ms', 3_723_004],
      ['596h31m23s647ms', MAX_DURATION_MS],
    ];
    for (const [text, ms] of good) {
      it(`${text} = ${ms}ms`, () => {
        expect(parseDuration(text)).to.equal(ms);
      });
    }
  });

  describe('parseDuration rejects, saying why', () => {
    const bad: Array<[unknown, RegExp]> = [
      ['60', /bare number has no unit; add one, e.g. 60s or 60ms/],
      ['1.5', /bare number/],
      [60, /bare number has no unit.*"60s"/],
      ['0s', /greater than zero/],
      ['0ms', /greater than zero/],
      ['0h0m', /greater than zero/],
      ['-1s', /negative/],
      ['-5m', /negative/],
      ['', /empty/],
      [null, /null/],
      ['abc', /not a duration/],
      ['1x', /not a duration/],
      ['1d', /not a duration/],
      ['5 minutes', /spaces/],
      [' 30s', /spaces/],
      ['1m 30s', /spaces/],
      ['30S', /not a duration/],
      ['1m30', /not a duration/],
      ['s', /not a duration/],
      ['1.s', /not a duration/],
      ['.5s', /not a duration/],
      ['1e3ms', /not a duration/],
      ['30s1m', /largest to smallest/],
      ['1m1m', /largest to smallest/],
      ['1.5ms', /whole number of milliseconds/],
      ['0.0001s', /whole number of milliseconds/],
      ['2147483648ms', /too long; the maximum is 596h31m23s647ms/],
      ['25d', /not a duration/],
      ['999999999999999999999999h', /too long/],
      [true, /must be a string/],
      [{}, /must be a string/],
    ];
    for (const [value, reason] of bad) {
      it(`${JSON.stringify(value)}`, () => {
        const result = tryParseDuration(value);
        expect(result.ok).to.equal(false);
        if (!result.ok) expect(result.reason).to.match(reason);
      });
    }

    it('throws a FlowgenError that names the value and what is allowed', () => {
      expect(() => parseDuration('soon'))
        .to.throw(FlowgenError)
        .with.property('message')
        .that.includes('"soon"')
        .and.includes(DURATION_HELP);
      expect(() => parseDuration('soon'))
        .to.throw()
        .with.property('code', 'FLOWGEN_DURATION_INVALID');
    });
  });

  describe('formatDuration', () => {
    const cases: Array<[number, string]> = [
      [0, '0ms'],
      [1, '1ms'],
      [500, '500ms'],
      [1_500, '1s500ms'],
      [30_000, '30s'],
      [90_000, '1m30s'],
      [5_400_000, '1h30m'],
      [7_200_000, '2h'],
      [3_723_004, '1h2m3s4ms'],
      [1_499.6, '1s500ms'],
      [-90_000, '-1m30s'],
    ];
    for (const [ms, text] of cases) {
      it(`${ms} → ${text}`, () => {
        expect(formatDuration(ms)).to.equal(text);
      });
    }

    it('round-trips with parseDuration', () => {
      for (const ms of [1, 999, 1_000, 61_001, 3_600_000, 86_400_000, MAX_DURATION_MS]) {
        expect(parseDuration(formatDuration(ms))).to.equal(ms);
      }
    });

    it('rejects NaN and infinities', () => {
      expect(() => formatDuration(Number.NaN)).to.throw(RangeError);
      expect(() => formatDuration(Number.POSITIVE_INFINITY)).to.throw(RangeError);
    });
  });

  describe('@IsDuration', () => {
    class Sample {
      @IsDuration()
      interval: unknown = '1s';
    }

    it('passes a duration and fails anything else with the reason and the grammar', () => {
      const ok = new Sample();
      expect(validateSync(ok)).to.deep.equal([]);
      const bad = new Sample();
      bad.interval = '90';
      const [error] = validateSync(bad);
      expect(error?.constraints?.['isDuration']).to.equal(
        `a bare number has no unit; add one, e.g. 90s or 90ms; expected ${DURATION_HELP}`,
      );
    });
  });
});

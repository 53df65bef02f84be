import { expect } from 'chai';
import { RetryPolicy } from '../../src/runtime/retry-policy';

const policy = (maxAttempts: number, initialBackoffMs = 100, maxBackoffMs = 1000): RetryPolicy =>
  new RetryPolicy({ maxAttempts, initialBackoffMs, maxBackoffMs });

/** A sleep that records the requested delays and returns at once. */
function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

describe('RetryPolicy', () => {
  it('rejects bad options', () => {
    expect(() => policy(0)).to.throw(RangeError, /maxAttempts/);
    expect(() => policy(1.5)).to.throw(RangeError, /maxAttempts/);
    expect(() => policy(3, -1)).to.throw(RangeError, /initialBackoffMs/);
    expect(() => policy(3, 100, 50)).to.throw(RangeError, /maxBackoffMs/);
  });

  describe('delayFor (equal jitter)', () => {
    const p = policy(10, 100, 1000);

    it('doubles from the initial backoff and caps at the max (random = 1)', () => {
      const delays = [1, 2, 3, 4, 5, 6, 30, 5000].map((a) => p.delayFor(a, () => 1));
      expect(delays).to.deep.equal([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
    });

    it('never goes below half the capped base (random = 0)', () => {
      const delays = [1, 2, 3, 4, 5].map((a) => p.delayFor(a, () => 0));
      expect(delays).to.deep.equal([50, 100, 200, 400, 500]);
    });

    it('stays within [base/2, max] for any random value', () => {
      for (let attempt = 1; attempt < 20; attempt++) {
        const base = Math.min(1000, 100 * 2 ** (attempt - 1));
        const d = p.delayFor(attempt);
        expect(d).to.be.within(base / 2, base);
        expect(d).to.be.at.most(1000);
      }
    });

    it('is 0 with a zero initial backoff, and rejects attempt < 1', () => {
      expect(policy(3, 0, 0).delayFor(2000)).to.equal(0);
      expect(() => p.delayFor(0)).to.throw(RangeError);
    });
  });

  describe('run', () => {
    it('returns the first success without sleeping', async () => {
      const { delays, sleep } = recordingSleep();
      const attempts: number[] = [];
      const value = await policy(3).run((a) => (attempts.push(a), 'ok'), { sleep });
      expect(value).to.equal('ok');
      expect(attempts).to.deep.equal([1]);
      expect(delays).to.deep.equal([]);
    });

    it('retries until success and reports each failure', async () => {
      const { delays, sleep } = recordingSleep();
      const failures: [number, boolean, number][] = [];
      const value = await policy(5).run(
        async (a) => {
          if (a < 3) throw new Error(`fail ${a}`);
          return a;
        },
        {
          sleep,
          random: () => 1,
          onAttemptFailed: (a, _e, willRetry, delayMs) => failures.push([a, willRetry, delayMs]),
        },
      );
      expect(value).to.equal(3);
      expect(failures).to.deep.equal([
        [1, true, 100],
        [2, true, 200],
      ]);
      expect(delays).to.deep.equal([100, 200]);
    });

    it('makes maxAttempts attempts, capped delays between them, and rethrows the same error', async () => {
      const { delays, sleep } = recordingSleep();
      const errors = [1, 2, 3, 4, 5, 6].map((n) => new Error(`boom ${n}`));
      const seen: unknown[] = [];
      const willRetry: boolean[] = [];
      let calls = 0;
      let caught: unknown;
      try {
        await policy(6, 100, 500).run(
          (a) => Promise.reject(errors[(calls++, a - 1)] ?? new Error('unexpected')),
          {
            sleep,
            random: () => 1,
            onAttemptFailed: (_a, e, retry) => (seen.push(e), willRetry.push(retry)),
          },
        );
      } catch (e) {
        caught = e;
      }
      expect(calls).to.equal(6);
      expect(delays).to.deep.equal([100, 200, 400, 500, 500]);
      expect(caught).to.equal(errors[5]); // the very object, not a wrapper
      expect(seen).to.deep.equal(errors);
      expect(willRetry).to.deep.equal([true, true, true, true, true, false]);
    });

    it('handles fn throwing synchronously, and non-Error throws', async () => {
      const { sleep } = recordingSleep();
      const thrown = { reason: 'not an Error' };
      let calls = 0;
      let caught: unknown;
      try {
        await policy(2).run(
          () => {
            calls++;
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- non-Error throws must survive too
            throw thrown;
          },
          { sleep },
        );
      } catch (e) {
        caught = e;
      }
      expect(calls).to.equal(2);
      expect(caught).to.equal(thrown);
    });

    it('returns a thenable as a value instead of running it', async () => {
      let ran = false;
      const lazy = { then: () => (ran = true) };
      const result = await policy(1).run(() => ({ lazy }));
      expect(result.lazy).to.equal(lazy);
      expect(ran).to.equal(false);
    });

    it('stops retrying when the signal aborts during the backoff and rethrows the last error', async () => {
      const controller = new AbortController();
      const error = new Error('down');
      let calls = 0;
      let caught: unknown;
      try {
        await policy(5).run(
          () => {
            calls++;
            throw error;
          },
          {
            signal: controller.signal,
            sleep: async () => controller.abort(),
          },
        );
      } catch (e) {
        caught = e;
      }
      expect(calls).to.equal(1);
      expect(caught).to.equal(error);
    });

    it('does not retry when already aborted, reporting willRetry = false', async () => {
      const controller = new AbortController();
      controller.abort();
      const reports: boolean[] = [];
      const error = new Error('x');
      let caught: unknown;
      try {
        await policy(5).run(
          () => {
            throw error;
          },
          { signal: controller.signal, onAttemptFailed: (_a, _e, w) => reports.push(w) },
        );
      } catch (e) {
        caught = e;
      }
      expect(caught).to.equal(error);
      expect(reports).to.deep.equal([false]);
    });

    it('the default sleep waits for the backoff and ends early on abort', async () => {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 20);
      const error = new Error('slow');
      let caught: unknown;
      try {
        await policy(3, 10_000, 10_000).run(
          () => {
            throw error;
          },
          { signal: controller.signal },
        );
      } catch (e) {
        caught = e;
      }
      expect(caught).to.equal(error);
      expect(Date.now() - started).to.be.below(2000);

      const real = policy(2, 20, 20);
      const t0 = Date.now();
      let n = 0;
      await real.run(() => {
        if (n++ === 0) throw new Error('once');
      });
      expect(Date.now() - t0).to.be.at.least(9); // equal jitter: at least half of 20 ms
    });
  });
});

import { expect } from 'chai';
import { parseByteSize } from '../../src/cli/collector-command';
import { ProcessPool, assertBuilt } from '../e2e/support/spawn-worker';

describe('cli/collector-command', () => {
  it('parseByteSize reads bytes with binary and decimal units', () => {
    expect(parseByteSize('65536')).to.equal(65_536);
    expect(parseByteSize('512KiB')).to.equal(512 * 1024);
    expect(parseByteSize('16MiB')).to.equal(16 * 1024 * 1024);
    expect(parseByteSize('1 gib')).to.equal(1024 ** 3);
    expect(parseByteSize('2MB')).to.equal(2_000_000);
  });

  it('parseByteSize names the value and the accepted forms', () => {
    for (const bad of ['0', '-1', '1.5MiB', '12XB', '', 'MiB']) {
      expect(() => parseByteSize(bad), bad).to.throw(
        `"${bad}" is not a size: write a positive whole number of bytes, optionally with a unit KiB, MiB, GiB`,
      );
    }
  });

  describe('flowgen collector with a bad limit (real process)', () => {
    const pool = new ProcessPool();
    before(assertBuilt);
    afterEach(() => pool.killAll());

    it('exits 2 naming the flag, the value and the fix', async () => {
      const proc = pool.spawn(['collector', '--port', '0', '--max-spans-per-trace', 'lots']);
      const exit = await proc.waitForExit(15_000);
      expect(exit.code).to.equal(2);
      expect(proc.stderr()).to.contain(
        `option '--max-spans-per-trace <n>' argument 'lots' is invalid. "lots" must be a positive whole number, e.g. 10000.`,
      );
    });
  });
});

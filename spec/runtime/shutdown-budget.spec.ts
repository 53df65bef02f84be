import { expect } from 'chai';
import { ShutdownBudget } from '../../src/runtime/shutdown-budget';

describe('ShutdownBudget', () => {
  it('keeps a quarter of the timeout (at most 2 s) for the telemetry flush', () => {
    const b = new ShutdownBudget(4_000, true, 1_000);
    expect(b.forEventsMs(1_000)).to.equal(3_000);
    expect(b.remainingMs(4_000)).to.equal(1_000);
    expect(new ShutdownBudget(20_000, true, 0).forEventsMs(0)).to.equal(18_000);
  });

  it('gives the events the whole timeout without telemetry, and never a negative time', () => {
    const b = new ShutdownBudget(3_000, false, 0);
    expect(b.forEventsMs(0)).to.equal(3_000);
    expect(b.forEventsMs(5_000)).to.equal(0);
    expect(b.remainingMs(5_000)).to.equal(0);
  });
});

import { expect } from 'chai';
import { ShutdownBudget } from '../../src/runtime/shutdown-budget';

describe('ShutdownBudget', () => {
  it('keeps a quarter of the timeout (at most 2 s) for the telemetry flush', () => {
    const b = new ShutdownBudget(4_000, true, 1_000);
    // 4 s: 1 s reserve for the flush, 200 ms for the tasks to unwind after the events' deadline
    expect(b.forEventsMs(1_000)).to.equal(2_800);
    expect(b.remainingMs(4_000)).to.equal(1_000);
    expect(new ShutdownBudget(20_000, true, 0).forEventsMs(0)).to.equal(17_800);
  });

  it('gives the events the whole timeout without telemetry, and never a negative time', () => {
    const b = new ShutdownBudget(3_000, false, 0);
    expect(b.forEventsMs(0)).to.equal(2_800);
    // a short timeout keeps a tenth for the unwinding, not a fixed 200 ms
    expect(new ShutdownBudget(1_000, false, 0).forEventsMs(0)).to.equal(900);
    expect(b.forEventsMs(5_000)).to.equal(0);
    expect(b.remainingMs(5_000)).to.equal(0);
  });
});

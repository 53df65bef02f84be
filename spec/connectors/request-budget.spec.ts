import { expect } from 'chai';
import { RequestBudget } from '../../src/connectors/request-budget';

describe('connectors/request-budget', () => {
  it('admits up to maxInFlight requests and refuses (counting) the next', () => {
    const budget = new RequestBudget(2, 1000);
    const a = budget.admit(0);
    const b = budget.admit(0);
    expect(a).to.not.equal(undefined);
    expect(b).to.not.equal(undefined);
    expect(budget.admit(0)).to.equal(undefined);
    expect(budget.stats).to.deep.equal({
      inFlight: 2,
      bufferedBytes: 0,
      peakInFlight: 2,
      peakBufferedBytes: 0,
      refused: 1,
    });
    a?.release();
    a?.release(); // idempotent
    expect(budget.admit(0)).to.not.equal(undefined);
    expect(budget.stats.inFlight).to.equal(2);
  });

  it('reserves declared bytes at admission and grows only within maxBytes', () => {
    const budget = new RequestBudget(10, 1000);
    const a = budget.admit(600);
    expect(budget.admit(500), 'a reservation past the bound').to.equal(undefined);
    const b = budget.admit(300);
    expect(b?.grow(100)).to.equal(true);
    expect(b?.grow(1)).to.equal(false);
    expect(budget.stats).to.include({ bufferedBytes: 1000, peakBufferedBytes: 1000, refused: 2 });
    b?.release();
    expect(budget.stats.bufferedBytes).to.equal(600);
    a?.release();
    expect(budget.stats).to.include({ inFlight: 0, bufferedBytes: 0, peakBufferedBytes: 1000 });
    expect(b?.grow(1), 'a released ticket takes nothing').to.equal(false);
    expect(budget.stats.bufferedBytes).to.equal(0);
  });
});

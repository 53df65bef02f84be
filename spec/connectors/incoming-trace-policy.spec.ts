import { TraceFlags } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import { expect } from 'chai';
import {
  decideIncomingTrace,
  emptyIncomingTraceStats,
  hasIncomingTraceStats,
  sumIncomingTraceStats,
} from '../../src/connectors/incoming-trace-policy';

const context = (flags: number): SpanContext => ({
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: flags,
  isRemote: true,
});

describe('connectors/incoming-trace-policy', () => {
  it('continue: a sampled parent as is; an unsampled one forced to sampled and counted', () => {
    const stats = emptyIncomingTraceStats();
    const policy = { mode: 'continue', honorSampledFlag: false } as const;
    expect(decideIncomingTrace(context(TraceFlags.SAMPLED), policy, stats)).to.deep.equal({
      parent: context(TraceFlags.SAMPLED),
    });
    const forced = decideIncomingTrace(context(TraceFlags.NONE), policy, stats);
    expect(forced.parent?.traceFlags).to.equal(TraceFlags.SAMPLED);
    expect(forced.parent?.traceId).to.equal(context(0).traceId);
    expect(stats).to.deep.equal({
      withContext: 2,
      continued: 2,
      linked: 0,
      ignored: 0,
      unsampledSuppressed: 0,
      unsampledTraced: 1,
    });
  });

  it('continue with honorSampledFlag: the unsampled parent is kept and counted as suppressed', () => {
    const stats = emptyIncomingTraceStats();
    const decision = decideIncomingTrace(
      context(TraceFlags.NONE),
      { mode: 'continue', honorSampledFlag: true },
      stats,
    );
    expect(decision.parent?.traceFlags).to.equal(TraceFlags.NONE);
    expect(stats).to.include({ unsampledSuppressed: 1, unsampledTraced: 0 });
  });

  it('link and ignore give no parent; link keeps the context to link; nothing counted without context', () => {
    const stats = emptyIncomingTraceStats();
    expect(
      decideIncomingTrace(context(0), { mode: 'link', honorSampledFlag: true }, stats),
    ).to.deep.equal({ link: context(0) });
    expect(
      decideIncomingTrace(context(1), { mode: 'ignore', honorSampledFlag: false }, stats),
    ).to.deep.equal({});
    expect(
      decideIncomingTrace(undefined, { mode: 'continue', honorSampledFlag: false }, stats),
    ).to.deep.equal({});
    expect(stats).to.include({ withContext: 2, linked: 1, ignored: 1, unsampledSuppressed: 0 });
  });

  it('sumIncomingTraceStats adds up the tasks that report, skipping the others', () => {
    const a = {
      incomingTraceStats: { ...emptyIncomingTraceStats(), withContext: 3, unsampledSuppressed: 2 },
    };
    const b = {
      incomingTraceStats: { ...emptyIncomingTraceStats(), withContext: 1, unsampledTraced: 1 },
    };
    expect(sumIncomingTraceStats([a, {}, b, null])).to.deep.equal({
      withContext: 4,
      continued: 0,
      linked: 0,
      ignored: 0,
      unsampledSuppressed: 2,
      unsampledTraced: 1,
    });
  });

  it('hasIncomingTraceStats recognises a reporting task', () => {
    expect(hasIncomingTraceStats({ incomingTraceStats: emptyIncomingTraceStats() })).to.equal(true);
    expect(hasIncomingTraceStats({})).to.equal(false);
    expect(hasIncomingTraceStats(null)).to.equal(false);
  });
});

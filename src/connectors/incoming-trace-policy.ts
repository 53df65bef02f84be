import { TraceFlags } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';

/** The values of an endpoint's `trace_context` setting. */
export const TRACE_CONTEXT_MODES = ['continue', 'link', 'ignore'] as const;

/**
 * What a network source does with the trace context a client sends:
 * - `continue`: the client's span is the parent; the trace id is the client's.
 * - `link`: a new trace per request, its span linked to the client's span.
 * - `ignore`: the client's context is dropped; a new trace per request.
 */
export type TraceContextMode = (typeof TRACE_CONTEXT_MODES)[number];

/** How far a network source trusts incoming trace context. */
export interface IncomingTracePolicy {
  /** See {@link TraceContextMode}. */
  readonly mode: TraceContextMode;
  /**
   * Whether a "not sampled" flag from the client may switch off the
   * request's spans (`continue` only). When false, the parent is continued as
   * sampled and the request counted in `unsampledTraced`.
   */
  readonly honorSampledFlag: boolean;
}

/** What to do with one request's incoming context. */
export interface IncomingTraceDecision {
  /** The parent of the request's span (none: a new trace). */
  readonly parent?: SpanContext;
  /** A span to link the request's span to. */
  readonly link?: SpanContext;
}

/**
 * Counts of what a policy did with incoming trace context, for the end-of-run
 * report. A request whose client asked for no sampling is counted once: in
 * `unsampledSuppressed` when its spans were not recorded because of that
 * flag, in `unsampledTraced` when the flag was overridden.
 */
export interface IncomingTraceStats {
  /** Requests with a valid incoming `traceparent`. */
  withContext: number;
  /** Requests continued as a child of the client's span. */
  continued: number;
  /** Requests started as a new trace linked to the client's span. */
  linked: number;
  /** Requests whose incoming context was dropped (`ignore`). */
  ignored: number;
  /** Requests flagged "not sampled" by the client whose spans were NOT recorded. */
  unsampledSuppressed: number;
  /** Requests flagged "not sampled" by the client, traced anyway. */
  unsampledTraced: number;
}

/** A task that counts what it did with incoming trace context (see {@link hasIncomingTraceStats}). */
export interface ReportsIncomingTrace {
  /** A snapshot of the counts so far. */
  readonly incomingTraceStats: IncomingTraceStats;
}

/** Zeroed {@link IncomingTraceStats}. */
export function emptyIncomingTraceStats(): IncomingTraceStats {
  return {
    withContext: 0,
    continued: 0,
    linked: 0,
    ignored: 0,
    unsampledSuppressed: 0,
    unsampledTraced: 0,
  };
}

/**
 * Whether `task` reports {@link IncomingTraceStats}, e.g. to add
 * `unsampledSuppressed` to the end-of-run report.
 *
 * @example
 * ```ts
 * if (hasIncomingTraceStats(instance)) suppressed += instance.incomingTraceStats.unsampledSuppressed;
 * ```
 */
export function hasIncomingTraceStats(task: unknown): task is ReportsIncomingTrace {
  const stats = (task as Partial<ReportsIncomingTrace> | null | undefined)?.incomingTraceStats;
  return (
    typeof stats === 'object' && stats !== null && typeof stats.unsampledSuppressed === 'number'
  );
}

/**
 * The {@link IncomingTraceStats} of every task in `tasks` that reports them,
 * summed (zeros when none does): what the end-of-run report shows.
 *
 * @example
 * ```ts
 * const trace = sumIncomingTraceStats(taskInstances);
 * if (trace.unsampledSuppressed > 0) log.warn({ spans_suppressed_by_client: trace.unsampledSuppressed }, '...');
 * ```
 */
export function sumIncomingTraceStats(tasks: Iterable<unknown>): IncomingTraceStats {
  const sum = emptyIncomingTraceStats();
  for (const task of tasks) {
    if (!hasIncomingTraceStats(task)) continue;
    const stats = task.incomingTraceStats;
    for (const key of Object.keys(sum) as (keyof IncomingTraceStats)[]) sum[key] += stats[key];
  }
  return sum;
}

/**
 * Applies `policy` to the context extracted from a request (undefined when it
 * had none or an invalid one) and counts the outcome in `stats`.
 *
 * @example
 * ```ts
 * const { parent, link } = decideIncomingTrace(extracted, { mode: 'continue', honorSampledFlag: false }, stats);
 * ```
 */
export function decideIncomingTrace(
  incoming: SpanContext | undefined,
  policy: IncomingTracePolicy,
  stats: IncomingTraceStats,
): IncomingTraceDecision {
  if (incoming === undefined) return {};
  stats.withContext++;
  const unsampled = (incoming.traceFlags & TraceFlags.SAMPLED) === 0;
  switch (policy.mode) {
    case 'ignore':
      stats.ignored++;
      return {};
    case 'link':
      // A new root: the sampler decides, the client's flag has no say.
      stats.linked++;
      return { link: incoming };
    case 'continue':
      stats.continued++;
      if (!unsampled) return { parent: incoming };
      if (policy.honorSampledFlag) {
        stats.unsampledSuppressed++;
        return { parent: incoming };
      }
      stats.unsampledTraced++;
      return { parent: { ...incoming, traceFlags: incoming.traceFlags | TraceFlags.SAMPLED } };
  }
}

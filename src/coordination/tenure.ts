import type { ConnectorAttributes } from '../telemetry/attribute-values';

/**
 * One worker's tenure of a leased source: from acquiring its lease to losing
 * or releasing it. The runtime runs the source's `task.run` inside it.
 */
export interface Tenure {
  /** Aborted when the tenure ends: lease lost, local deadline passed, or worker stopping. */
  readonly signal: AbortSignal;
  /**
   * Whether the source may still hand in an event now. Checks the local
   * deadline on the spot (a holder resumed after a pause must not emit
   * before its timers have run) and ends the tenure when it has passed.
   */
  admit(): boolean;
  /** Attributes of the tenure's `task.run` span: lease key, holder, revision. */
  readonly attributes: ConnectorAttributes;
}

/** Span attribute: the lease's key in the KV bucket. */
export const ATTR_LEASE_KEY = 'flowgen.lease.key';
/** Span attribute: who holds it (host, pid, random suffix). */
export const ATTR_LEASE_HOLDER = 'flowgen.lease.holder';
/** Span attribute: the KV revision the tenure acquired it at (int; higher for each new tenure). */
export const ATTR_LEASE_REVISION = 'flowgen.lease.revision';

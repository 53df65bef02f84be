import { FlowgenError } from '../errors/flowgen-error';

/**
 * Stable codes of {@link CollectorError}:
 * - `FLOWGEN_COLLECTOR_LISTEN`: the receiver could not bind its port (in use, bad host, bad TLS material).
 * - `FLOWGEN_COLLECTOR_PROTO`: the bundled `proto/` directory was not found or did not load.
 * - `FLOWGEN_COLLECTOR_TIMEOUT`: a `waitFor…` helper did not see what it waited for in time.
 * - `FLOWGEN_COLLECTOR_STOPPED`: the receiver was stopped while a `waitFor…` helper was pending.
 */
export type CollectorErrorCode =
  | 'FLOWGEN_COLLECTOR_LISTEN'
  | 'FLOWGEN_COLLECTOR_PROTO'
  | 'FLOWGEN_COLLECTOR_TIMEOUT'
  | 'FLOWGEN_COLLECTOR_STOPPED';

/**
 * A failure of the local OTLP receiver. For timeouts the message lists what was
 * received, so a failing spec shows what arrived instead of only what did not.
 *
 * @example
 * ```ts
 * await receiver.waitForSpans(3, 2000); // rejects with code FLOWGEN_COLLECTOR_TIMEOUT
 * ```
 */
export class CollectorError extends FlowgenError {
  /** The kind of failure, see {@link CollectorErrorCode}. */
  declare public readonly code: CollectorErrorCode;

  constructor(code: CollectorErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

import { FlowgenError } from '../errors/flowgen-error';

/**
 * Stable codes of {@link ExportRetryError}:
 * - `FLOWGEN_EXPORT_GAVE_UP`: a batch failed on every attempt, or ran out of
 *   its time budget; `cause` is the last failure.
 * - `FLOWGEN_EXPORT_OVERLOAD`: a batch was refused at once because the most
 *   batches allowed were already in flight (a slow or unreachable collector).
 * - `FLOWGEN_EXPORT_SHUT_DOWN`: a batch arrived after the exporter was shut down.
 */
export type ExportRetryErrorCode =
  | 'FLOWGEN_EXPORT_GAVE_UP'
  | 'FLOWGEN_EXPORT_OVERLOAD'
  | 'FLOWGEN_EXPORT_SHUT_DOWN';

/**
 * Why a retrying exporter reported a batch as failed. It reaches the OTel
 * global error handler (the CLI logs it, rate-limited), never user code.
 *
 * @example
 * ```ts
 * if (result.error instanceof ExportRetryError && result.error.code === 'FLOWGEN_EXPORT_OVERLOAD') { ... }
 * ```
 */
export class ExportRetryError extends FlowgenError {
  /** The kind of failure, see {@link ExportRetryErrorCode}. */
  declare public readonly code: ExportRetryErrorCode;

  constructor(code: ExportRetryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

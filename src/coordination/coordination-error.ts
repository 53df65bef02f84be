import { FlowgenError } from '../errors/flowgen-error';

/**
 * The lease bucket cannot be used as configured (e.g. it exists with another
 * TTL). Raised at start, before any task runs.
 *
 * @example
 * ```ts
 * if (err instanceof LeaseBucketError) console.error(err.bucket);
 * ```
 */
export class LeaseBucketError extends FlowgenError {
  constructor(
    /** The bucket name. */
    public readonly bucket: string,
    message: string,
    cause?: unknown,
  ) {
    super('FLOWGEN_LEASE_BUCKET', `coordination.bucket "${bucket}": ${message}`, { cause });
  }
}

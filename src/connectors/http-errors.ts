import { FlowgenError } from '../errors/flowgen-error';

/**
 * An `http_request` got a response outside 2xx. Thrown from the handler so the
 * runtime retries the event per the task's retry config. `url` has no
 * credentials (see {@link redactUrl}); the response body is never included.
 *
 * @example
 * ```ts
 * if (err instanceof HttpStatusError && err.status === 404) skip();
 * ```
 */
export class HttpStatusError extends FlowgenError {
  constructor(
    /** The HTTP status code, e.g. 503. */
    public readonly status: number,
    /** The request method. */
    public readonly method: string,
    /** The request URL without credentials or secret query values. */
    public readonly url: string,
    /** The task's name. */
    public readonly task: string,
  ) {
    super(
      'FLOWGEN_HTTP_STATUS',
      `http_request task "${task}": ${method} ${url} answered ${status}; only 2xx counts as success`,
    );
  }
}

/**
 * An `http_request` got no complete response within its `timeout`.
 *
 * @example
 * ```ts
 * if (err instanceof HttpTimeoutError) metrics.slowUpstream.add(1);
 * ```
 */
export class HttpTimeoutError extends FlowgenError {
  constructor(
    /** The request method. */
    public readonly method: string,
    /** The request URL without credentials or secret query values. */
    public readonly url: string,
    /** The timeout that ran out, in milliseconds. */
    public readonly timeoutMs: number,
    /** The task's name. */
    public readonly task: string,
    options?: { cause?: unknown },
  ) {
    super(
      'FLOWGEN_HTTP_TIMEOUT',
      `http_request task "${task}": ${method} ${url} timed out after ${timeoutMs} ms`,
      options,
    );
  }
}

/**
 * An `http_endpoint` could not listen on its host and port (port in use,
 * address not available, permission denied). Thrown from `init`.
 *
 * @example
 * ```ts
 * if (err instanceof HttpListenError && err.reason === 'EADDRINUSE') pickAnotherPort();
 * ```
 */
export class HttpListenError extends FlowgenError {
  constructor(
    /** The task's name. */
    public readonly task: string,
    /** The host it tried to listen on. */
    public readonly host: string,
    /** The port it tried to listen on. */
    public readonly port: number,
    /** The system error code, e.g. `EADDRINUSE`, when known. */
    public readonly reason: string | undefined,
    options?: { cause?: unknown },
  ) {
    const why =
      reason === 'EADDRINUSE'
        ? 'the port is in use; pick another or use 0 for any free port'
        : (reason ?? 'unknown error');
    super(
      'FLOWGEN_HTTP_LISTEN',
      `http_endpoint task "${task}" cannot listen on ${host}:${port}: ${why}`,
      options,
    );
  }
}

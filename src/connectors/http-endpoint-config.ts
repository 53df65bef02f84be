import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { parseDuration } from '../config/duration';
import { IsDuration } from '../config/is-duration';
import type { ConfigRefinementIssue, RefinableConfig } from '../config/validate-object';
import { TRACE_CONTEXT_MODES } from './incoming-trace-policy';
import type { TraceContextMode } from './incoming-trace-policy';

/** Default `max_body_bytes`: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Default `max_buffered_bytes`: 32 MiB of request bodies held at once (read,
 * or waiting for the flow). A parked body costs about 2.5 times its size in
 * memory (bytes, text, parsed value), so this keeps the endpoint near 100 MB.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

const WHOLE = (min: number): string => `must be a whole number of at least ${min}`;

/**
 * Config of the `http_endpoint` source: an HTTP server whose POST/PUT
 * requests become events. Every resource a client can hold is bounded: see
 * docs/http-endpoint.md.
 *
 * @example
 * ```yaml
 * - name: orders-in
 *   type: http_endpoint
 *   config: { host: 0.0.0.0, port: 8080, path: /orders, max_body_bytes: 65536, max_in_flight: 64 }
 * ```
 */
export class HttpEndpointConfig implements RefinableConfig {
  /** Address to listen on. Default `127.0.0.1` (this machine only); `0.0.0.0` for all. */
  @IsNotEmpty({ message: 'must not be empty, e.g. 127.0.0.1 or 0.0.0.0' })
  @IsString({ message: 'must be a host name or IP address, e.g. 127.0.0.1 or 0.0.0.0' })
  host: string = '127.0.0.1';

  /** TCP port, 0–65535; 0 picks a free one (see the task's `port`). Default 8080. */
  @Max(65535, { message: 'must be a whole number from 0 to 65535 (0 picks a free port)' })
  @Min(0, { message: 'must be a whole number from 0 to 65535 (0 picks a free port)' })
  @IsInt({ message: 'must be a whole number from 0 to 65535 (0 picks a free port)' })
  port: number = 8080;

  /** The one path that takes events. Default `/`. */
  @Matches(/^\/[^?#\s]*$/, { message: 'must start with / and have no query, e.g. /orders' })
  @IsString({ message: 'must be a path starting with /, e.g. /orders' })
  path: string = '/';

  /** Largest request body accepted, in bytes; larger ones get 413. Default 1048576 (1 MiB). */
  @Min(1, { message: 'must be a whole number of bytes, at least 1' })
  @IsInt({ message: 'must be a whole number of bytes, at least 1' })
  max_body_bytes: number = DEFAULT_MAX_BODY_BYTES;

  /**
   * Requests read or handled at once; one more gets 503 with `Retry-After`
   * before its body is read. Default 256.
   */
  @Min(1, { message: WHOLE(1) })
  @IsInt({ message: WHOLE(1) })
  max_in_flight: number = 256;

  /**
   * Request body bytes held at once across all requests (declared lengths are
   * reserved up front, chunked bodies as they arrive); past it, 503 with
   * `Retry-After`. At least `max_body_bytes`. Default 33554432 (32 MiB).
   */
  @Min(1, { message: WHOLE(1) })
  @IsInt({ message: WHOLE(1) })
  max_buffered_bytes: number = DEFAULT_MAX_BUFFERED_BYTES;

  /** Open TCP connections at once; more are closed as they arrive. Default 1024. */
  @Min(1, { message: WHOLE(1) })
  @IsInt({ message: WHOLE(1) })
  max_connections: number = 1024;

  /** Time a client gets to send the request headers; then 408 and close. Default `10s`. */
  @IsDuration()
  header_timeout: string = '10s';

  /**
   * Time a client gets to send the whole request (headers and body); then 408
   * and close. Not counted: the time the flow takes to answer. Default `30s`.
   */
  @IsDuration()
  body_timeout: string = '30s';

  /** How long an idle keep-alive connection stays open between requests. Default `5s`. */
  @IsDuration()
  idle_timeout: string = '5s';

  /** What a 503 tells the client to wait (`Retry-After`, whole seconds, rounded up). Default `1s`. */
  @IsDuration()
  retry_after: string = '1s';

  /**
   * What an incoming `traceparent` does: `continue` (default) makes it the
   * parent of the request's span, so the trace id is the client's; `link`
   * starts a new trace linked to it; `ignore` drops it. See docs/http-endpoint.md.
   */
  @IsIn(TRACE_CONTEXT_MODES, { message: `must be one of ${TRACE_CONTEXT_MODES.join(', ')}` })
  trace_context: TraceContextMode = 'continue';

  /**
   * Whether a client's "not sampled" flag (`traceparent` ending `-00`) may
   * switch off the request's spans. Default false: the request is traced
   * anyway and counted (see the task's `incomingTraceStats`).
   */
  @IsBoolean({ message: 'must be true or false, unquoted' })
  honor_sampled_flag: boolean = false;

  /** `header_timeout` in milliseconds. */
  get headerTimeoutMs(): number {
    return parseDuration(this.header_timeout);
  }

  /** `body_timeout` in milliseconds. */
  get bodyTimeoutMs(): number {
    return parseDuration(this.body_timeout);
  }

  /** `idle_timeout` in milliseconds. */
  get idleTimeoutMs(): number {
    return parseDuration(this.idle_timeout);
  }

  /** `retry_after` in whole seconds, at least 1. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(parseDuration(this.retry_after) / 1000));
  }

  /** A body as large as allowed must fit the buffer; headers come before the body. */
  refineConfig(): ConfigRefinementIssue[] {
    const issues: ConfigRefinementIssue[] = [];
    if (this.max_buffered_bytes < this.max_body_bytes) {
      issues.push({
        path: ['max_buffered_bytes'],
        value: this.max_buffered_bytes,
        message: `must be at least max_body_bytes (${this.max_body_bytes}), or no body of the largest allowed size is ever accepted`,
      });
    }
    if (this.bodyTimeoutMs < this.headerTimeoutMs) {
      issues.push({
        path: ['body_timeout'],
        value: this.body_timeout,
        message: `must be at least header_timeout (${this.header_timeout}): it counts from the same start and includes the headers`,
      });
    }
    return issues;
  }
}

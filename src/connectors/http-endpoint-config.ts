import { IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';

/** Default `max_body_bytes`: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Config of the `http_endpoint` source: an HTTP server whose POST/PUT
 * requests become events.
 *
 * @example
 * ```yaml
 * - name: orders-in
 *   type: http_endpoint
 *   config: { host: 0.0.0.0, port: 8080, path: /orders, max_body_bytes: 65536 }
 * ```
 */
export class HttpEndpointConfig {
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
}

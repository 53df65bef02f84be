import { IsIn, IsString, ValidateIf, registerDecorator } from 'class-validator';
import { parseDuration } from '../config/duration';
import { IsDuration } from '../config/is-duration';
import { IsHttpUrl } from './http-url';

/** The methods an `http_request` task can send. */
export const HTTP_REQUEST_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** One of {@link HTTP_REQUEST_METHODS}. */
export type HttpRequestMethod = (typeof HTTP_REQUEST_METHODS)[number];

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/*
 * `headers` must be a mapping of header names to strings. Values are never
 * echoed in the message (they are typically credentials).
 */
function IsHeaderMap(): PropertyDecorator {
  return (target: object, propertyName: string | symbol): void => {
    registerDecorator({
      name: 'isHeaderMap',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message:
          'must be a mapping of header names to string values, e.g. { authorization: "Bearer ..." }; quote numbers',
      },
      validator: {
        validate: (value: unknown): boolean =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.entries(value).every(
            ([name, v]) => HEADER_NAME.test(name) && typeof v === 'string' && !/[\r\n]/.test(v),
          ),
      },
    });
  };
}

/**
 * Config of the `http_request` task: one HTTP request per event.
 *
 * @example
 * ```yaml
 * - name: notify
 *   type: http_request
 *   config:
 *     url: https://api.example.com/orders
 *     method: POST
 *     headers: { authorization: "Bearer ${TOKEN}" }
 *     body: '{"order":"{{data.id}}"}'
 *     timeout: 5s
 * ```
 */
export class HttpRequestConfig {
  /** Where to send the request: an http:// or https:// URL. Required. */
  @IsHttpUrl()
  url!: string;

  /** GET, POST, PUT, PATCH or DELETE. Default `POST`. */
  @IsIn(HTTP_REQUEST_METHODS, { message: `must be one of ${HTTP_REQUEST_METHODS.join(', ')}` })
  method: HttpRequestMethod = 'POST';

  /** Request headers, names to string values. Values are never logged nor put on spans. */
  @ValidateIf((o: HttpRequestConfig) => o.headers !== undefined)
  @IsHeaderMap()
  headers?: Record<string, string>;

  /**
   * A body template with `{{data.a.b}}`, `{{id}}`, `{{metadata.key}}`
   * placeholders. Omitted: POST, PUT and PATCH send the event data as JSON;
   * GET and DELETE send no body.
   */
  @ValidateIf((o: HttpRequestConfig) => o.body !== undefined)
  @IsString({ message: 'must be a string template, e.g. \'{"id":"{{data.id}}"}\'' })
  body?: string;

  /** Longest wait for the complete response, as a duration. Default `10s`. */
  @IsDuration()
  timeout: string = '10s';

  /** `timeout` in milliseconds. */
  get timeoutMs(): number {
    return parseDuration(this.timeout);
  }
}

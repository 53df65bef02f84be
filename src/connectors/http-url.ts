import { registerDecorator } from 'class-validator';
import type { ValidationOptions } from 'class-validator';

/** Outcome of {@link checkHttpUrl}. */
export type HttpUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Checks that `text` is an absolute `http://` or `https://` URL with a host.
 *
 * @example
 * ```ts
 * checkHttpUrl('ftp://x'); // { ok: false, reason: 'scheme ftp: is not supported; use http:// or https://' }
 * ```
 */
export function checkHttpUrl(text: unknown): HttpUrlCheck {
  if (typeof text !== 'string') return { ok: false, reason: 'must be a string' };
  if (text.trim() === '') return { ok: false, reason: 'is empty' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'is not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      reason: `scheme ${url.protocol} is not supported; use http:// or https://`,
    };
  }
  if (url.hostname === '') return { ok: false, reason: 'has no host' };
  return { ok: true, url };
}

/**
 * class-validator decorator: the property must be an absolute http(s) URL
 * with a host (see {@link checkHttpUrl}).
 *
 * @example
 * ```ts
 * class Cfg { @IsHttpUrl() url!: string; }
 * ```
 */
export function IsHttpUrl(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol): void => {
    registerDecorator({
      name: 'isHttpUrl',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args): string => {
          const check = checkHttpUrl(args.value);
          const reason = check.ok ? 'is not an http(s) URL' : check.reason;
          return `${reason}; expected an http:// or https:// URL, e.g. https://api.example.com/orders`;
        },
        ...options,
      },
      validator: { validate: (value: unknown): boolean => checkHttpUrl(value).ok },
    });
  };
}

/** Query parameters whose values are replaced by `REDACTED` in {@link redactUrl}. */
const SECRET_QUERY_KEY =
  /^(?:(?:.*[-_.])?(?:token|secret|password|passwd|pwd|apikey|api[-_]?key|key|credentials?|signature|sig|auth|session|sessionid)|code|awsaccesskeyid)$/i;

/**
 * The URL as it may appear in spans, logs and error messages: no
 * `user:password@`, and the values of query parameters that look like
 * secrets (`token`, `access_token`, `api_key`, `sig`, `password`, ...) replaced by
 * `REDACTED` (the OpenTelemetry `url.full` convention). The fragment is dropped.
 *
 * @example
 * ```ts
 * redactUrl('https://u:p@api.example.com/x?id=1&token=abc'); // 'https://api.example.com/x?id=1&token=REDACTED'
 * ```
 */
export function redactUrl(url: URL | string): string {
  let copy: URL;
  try {
    copy = new URL(url.toString());
  } catch {
    return '<invalid URL>';
  }
  copy.username = '';
  copy.password = '';
  copy.hash = '';
  if (copy.search !== '') {
    const params = new URLSearchParams(copy.search);
    const out = new URLSearchParams();
    for (const [key, value] of params)
      out.append(key, SECRET_QUERY_KEY.test(key) ? 'REDACTED' : value);
    copy.search = out.toString();
  }
  return copy.toString();
}

/**
 * The port a URL connects to: the explicit one, else 443 for https and 80 for http.
 *
 * @example
 * ```ts
 * portOf(new URL('https://example.com')); // 443
 * ```
 */
export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

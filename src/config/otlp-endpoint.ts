import { registerDecorator } from 'class-validator';
import type { ValidationArguments, ValidationOptions } from 'class-validator';

/** What an OTLP endpoint may look like, phrased for error messages. */
export const OTLP_ENDPOINT_HELP =
  'an http:// (plaintext) or https:// (TLS) URL with a host and port and no path, e.g. http://localhost:4317';

/** A validated OTLP/gRPC endpoint, ready to hand to the exporter. */
export interface OtlpEndpoint {
  /** Normalised URL with an explicit port and no path: `https://otel.example.com:443`. */
  url: string;
  /** `host:port` as gRPC wants it (`[::1]:4317` for IPv6). */
  target: string;
  /** Host name or address (IPv6 in brackets). */
  host: string;
  /** TCP port, explicit or 443 for https. */
  port: number;
  /** True for https: the exporter connects over TLS. */
  tls: boolean;
}

/** Outcome of {@link parseOtlpEndpoint}. */
export type OtlpEndpointParseResult =
  | { ok: true; endpoint: OtlpEndpoint }
  | { ok: false; reason: string };

/**
 * Checks an `otlp_endpoint` value. Rules, and why:
 * - scheme `http` (plaintext) or `https` (TLS) only: that is how the OTel gRPC
 *   exporter picks its credentials; `grpc://`, `unix://` and scheme-less
 *   `host:port` are rejected rather than guessed at;
 * - a host is required; a port is required for `http` (gRPC would otherwise
 *   silently dial 443) and defaults to 443 for `https` (hosted backends);
 * - no path, query or fragment: OTLP/gRPC has none, and a path such as
 *   `/v1/traces` means an OTLP/HTTP endpoint, which flowgen does not speak;
 * - no `user:password@`: send credentials as headers through
 *   `OTEL_EXPORTER_OTLP_HEADERS` instead.
 *
 * @example
 * ```ts
 * parseOtlpEndpoint('https://api.honeycomb.io');
 * // { ok: true, endpoint: { url: 'https://api.honeycomb.io:443', target: 'api.honeycomb.io:443', tls: true, ... } }
 * ```
 */
export function parseOtlpEndpoint(text: unknown): OtlpEndpointParseResult {
  if (typeof text !== 'string') return fail('must be a string');
  if (text === '') return fail('is empty');
  if (/\s/.test(text)) return fail('must not contain spaces');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1];
  if (scheme === undefined) {
    return fail('has no scheme; start it with http:// for plaintext or https:// for TLS');
  }
  const lower = scheme.toLowerCase();
  if (lower !== 'http' && lower !== 'https') {
    return fail(
      `scheme ${scheme}:// is not supported; use http:// for plaintext or https:// for TLS (the exporter speaks OTLP/gRPC either way)`,
    );
  }
  const authority = text.slice(scheme.length + 3).replace(/[/?#].*$/, '');
  const explicitPort = /:(\d+)$/.exec(authority)?.[1];
  if (explicitPort !== undefined && (Number(explicitPort) < 1 || Number(explicitPort) > 65535)) {
    return fail('port must be between 1 and 65535');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('is not a valid URL');
  }
  if (url.username !== '' || url.password !== '') {
    return fail(
      'must not contain credentials; send them as headers through OTEL_EXPORTER_OTLP_HEADERS',
    );
  }
  if (url.hostname === '') return fail('has no host');
  if (url.pathname !== '/' && url.pathname !== '') {
    return fail(
      `must not have a path (${url.pathname}); OTLP/gRPC uses none, and paths like /v1/traces belong to OTLP/HTTP, which is not supported`,
    );
  }
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(text)) {
    return fail('must not have a query or fragment');
  }
  const tls = lower === 'https';
  if (explicitPort === undefined && !tls) {
    return fail(
      `needs a port for http, e.g. http://${url.hostname}:4317 (4317 is the standard OTLP/gRPC port)`,
    );
  }
  const port = explicitPort === undefined ? 443 : Number(explicitPort);
  const target = `${url.hostname}:${port}`;
  return {
    ok: true,
    endpoint: { url: `${lower}://${target}`, target, host: url.hostname, port, tls },
  };
}

/**
 * class-validator decorator: the property must pass {@link parseOtlpEndpoint};
 * the message says which rule failed and what is allowed.
 *
 * @example
 * ```ts
 * class Exporter { @IsOtlpEndpoint() endpoint = 'http://localhost:4317'; }
 * ```
 */
export function IsOtlpEndpoint(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol): void => {
    registerDecorator({
      name: 'isOtlpEndpoint',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments): string => {
          const result = parseOtlpEndpoint(args.value);
          const reason = result.ok ? 'is not an OTLP endpoint' : result.reason;
          return `${reason}; expected ${OTLP_ENDPOINT_HELP}`;
        },
        ...options,
      },
      validator: { validate: (value: unknown): boolean => parseOtlpEndpoint(value).ok },
    });
  };
}

function fail(reason: string): OtlpEndpointParseResult {
  return { ok: false, reason };
}

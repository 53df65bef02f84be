import { registerDecorator } from 'class-validator';

const NATS_SCHEMES: ReadonlySet<string> = new Set(['nats:', 'tls:']);

/** The server's host and port from a `nats://` URL (4222 when none is given). */
export interface NatsServerAddress {
  /** Host name or IP, without IPv6 brackets. */
  readonly address: string;
  /** TCP port. */
  readonly port: number;
}

/** Host and port of a validated `nats://` or `tls://` URL. */
export function natsServerAddress(url: string): NatsServerAddress {
  const parsed = new URL(url);
  return {
    address: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 4222 : Number(parsed.port),
  };
}

/** `url` with any `user:pass@` removed, for messages and spans. */
export function redactNatsUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable url)';
  }
}

/**
 * class-validator decorator: a `nats://host:port` (or `tls://`) URL with a
 * host. Credentials in the URL are allowed but never echoed.
 *
 * @example
 * ```ts
 * class NatsPublishConfig { @IsNatsUrl() url!: string; }
 * ```
 */
export function IsNatsUrl(): PropertyDecorator {
  return (target: object, propertyName: string | symbol): void => {
    registerDecorator({
      name: 'isNatsUrl',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: 'must be a NATS server URL such as nats://127.0.0.1:4222 (scheme nats or tls)',
      },
      validator: {
        validate: (value: unknown): boolean => {
          if (typeof value !== 'string') return false;
          try {
            const parsed = new URL(value);
            return NATS_SCHEMES.has(parsed.protocol) && parsed.hostname !== '';
          } catch {
            return false;
          }
        },
      },
    });
  };
}

import { registerDecorator } from 'class-validator';

const TOKEN = /^[^\s.*>]+$/;

/** Whether `subject` is a NATS subject: dot-separated tokens, `*` / a last `>` only where `wildcards` allows. */
export function isNatsSubject(subject: unknown, wildcards: boolean): boolean {
  if (typeof subject !== 'string' || subject === '') return false;
  const tokens = subject.split('.');
  return tokens.every(
    (token, i) =>
      TOKEN.test(token) ||
      (wildcards && (token === '*' || (token === '>' && i === tokens.length - 1))),
  );
}

/**
 * class-validator decorator: a NATS subject such as `orders.created`;
 * `wildcards` allows `*` and a final `>` (filters and stream subjects, never
 * a publish subject).
 *
 * @example
 * ```ts
 * class NatsPublishConfig { @IsNatsSubject(false) subject!: string; }
 * ```
 */
export function IsNatsSubject(wildcards: boolean): PropertyDecorator {
  return (target: object, propertyName: string | symbol): void => {
    registerDecorator({
      name: 'isNatsSubject',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: wildcards
          ? 'must be a NATS subject such as orders.created, orders.* or orders.> (dot-separated tokens, no spaces)'
          : 'must be a NATS subject without wildcards, such as orders.created (dot-separated tokens, no spaces, no * or >)',
      },
      validator: { validate: (value: unknown): boolean => isNatsSubject(value, wildcards) },
    });
  };
}

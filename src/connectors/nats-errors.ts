import { FlowgenError } from '../errors/flowgen-error';

/**
 * A NATS task could not reach its server at start. Raised from `init`, so the
 * worker stops before it takes any event, with the URL (credentials removed)
 * and the fix in the message.
 *
 * @example
 * ```ts
 * if (err instanceof NatsConnectError) console.error(err.url);
 * ```
 */
export class NatsConnectError extends FlowgenError {
  constructor(
    /** Who connects: `task "name"`, or `coordination` for the worker's leases. */
    public readonly owner: string,
    /** The server URL, without credentials. */
    public readonly url: string,
    cause: unknown,
  ) {
    super(
      'FLOWGEN_NATS_CONNECT',
      `${owner}: cannot connect to NATS at ${url} (${describe(cause)}); start a server with JetStream on (\`nats-server -js\`) or fix \`url\``,
      { cause },
    );
  }
}

/**
 * The stream a NATS task names does not exist and the task may not create it.
 *
 * @example
 * ```ts
 * if (err instanceof NatsStreamMissingError) console.error(err.stream);
 * ```
 */
export class NatsStreamMissingError extends FlowgenError {
  constructor(
    /** The task's name. */
    public readonly task: string,
    /** The stream name from the config. */
    public readonly stream: string,
    /** What to do about it, for this task type. */
    fix: string,
  ) {
    super(
      'FLOWGEN_NATS_STREAM_MISSING',
      `task "${task}": stream "${stream}" does not exist; ${fix}`,
    );
  }
}

/**
 * A NATS message that can never be handled (its body does not decode): the
 * subscriber terminates it instead of asking for redelivery.
 *
 * @example
 * ```ts
 * if (err instanceof NatsUndecodableError) console.error(err.sequence);
 * ```
 */
export class NatsUndecodableError extends FlowgenError {
  constructor(
    /** The stream sequence of the message. */
    public readonly sequence: number,
    cause: unknown,
  ) {
    super(
      'FLOWGEN_NATS_UNDECODABLE',
      `stream message ${sequence} says it is JSON but does not parse (${describe(cause)}); it is terminated, never redelivered`,
      { cause },
    );
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

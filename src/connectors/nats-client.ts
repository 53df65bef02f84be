import type { JsMsg } from '@nats-io/jetstream';
import type { ConnectionOptions, MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

/*
 * Why this file: with the project's `moduleResolution: "node"`, the typings
 * of @nats-io/transport-node and @nats-io/jetstream 3.x re-export types from
 * `@nats-io/nats-core/internal`, a subpath that resolution cannot see, so
 * `connect()`'s result and `JsMsg.headers` lose their types (skipLibCheck
 * hides it). The same types exported by @nats-io/nats-core itself resolve:
 * they are put back here, in one place.
 */

/** `connect` of @nats-io/transport-node, with its types. */
export const connectNats = connect as unknown as (
  options: ConnectionOptions,
) => Promise<NatsConnection>;

/** A JetStream message's headers, typed; undefined when it has none. */
export function headersOf(msg: JsMsg): MsgHdrs | undefined {
  return (msg as unknown as { readonly headers?: MsgHdrs }).headers;
}

import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { RawAndDecoded } from './otlp-proto';

/** Metadata key under which the interceptor passes the request's `grpc-encoding` to the handler. */
export const ENCODING_METADATA_KEY = 'grpc-encoding';

/**
 * The internals of grpc-js's base server call that the interceptor reads. They
 * are private in the typings, so each is checked before use and the interceptor
 * degrades (encoding `identity`, compression inferred from it) if they move.
 */
interface BaseCallInternals {
  incomingEncoding?: unknown;
  stream?: unknown;
}

function isRawAndDecoded(message: unknown): message is RawAndDecoded {
  return typeof message === 'object' && message !== null && 'raw' in message;
}

/** Called with the status code of a call that grpc-js ended before the handler saw its message. */
export type RefusalListener = (code: grpc.status) => void;

/**
 * A server interceptor that recovers what grpc-js hides from handlers: it strips
 * `grpc-encoding` from the request metadata and decompresses before
 * deserializing. A spec asserting "the exporter used gzip" needs both, so the
 * interceptor puts the encoding back into the metadata and reads the per-message
 * compressed flag (the first byte of the gRPC frame) off the HTTP/2 stream.
 *
 * grpc-js also refuses some requests on its own, before any handler runs: a
 * message over `grpc.max_receive_message_length` (checked on the frame and,
 * chunk by chunk, while inflating), a corrupt gzip stream, an unknown encoding.
 * `onRefused` hears about each, so those refusals are counted too: the
 * interceptor watches the call's `sendStatus` (part of grpc-js's server call
 * interface) for a non-OK status before a message was delivered.
 *
 * It must be the first interceptor, so that `call` is grpc-js's base call.
 */
export function compressionInterceptor(onRefused: RefusalListener): grpc.ServerInterceptor {
  return (_method, call) => {
    const internals = call as unknown as BaseCallInternals;
    const encoding =
      typeof internals.incomingEncoding === 'string' ? internals.incomingEncoding : 'identity';
    let flag: boolean | undefined;
    let delivered = false;
    if (internals.stream instanceof EventEmitter) {
      // prependOnceListener does not switch the paused stream to flowing mode; grpc-js
      // resumes it when the handler starts reading, and this sees the first chunk first.
      internals.stream.prependOnceListener('data', (chunk: unknown) => {
        if (Buffer.isBuffer(chunk) && chunk.length > 0) flag = chunk[0] === 1;
      });
    }
    const sendStatus = call.sendStatus.bind(call);
    call.sendStatus = (status) => {
      if (!delivered && status.code !== grpc.status.OK) {
        try {
          onRefused(status.code);
        } catch {
          // Counting must never stand between grpc-js and its answer to the client.
        }
      }
      sendStatus(status);
    };
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        metadata.set(ENCODING_METADATA_KEY, encoding);
        next(metadata);
      })
      .withOnReceiveMessage((message: unknown, next) => {
        delivered = true;
        if (isRawAndDecoded(message)) message.compressed = flag ?? encoding !== 'identity';
        next(message);
      })
      .build();
    const responder = new grpc.ResponderBuilder()
      .withStart((next) => {
        next(listener);
      })
      .build();
    return new grpc.ServerInterceptingCall(call, responder);
  };
}

import type { JsMsg } from '@nats-io/jetstream';
import type { FlowEvent } from '../runtime/event';
import { headersOf } from './nats-client';
import { HEADER_CONTENT_TYPE, JSON_CONTENT_TYPE } from './nats-attributes';
import { NatsUndecodableError } from './nats-errors';
import { extractTraceHeaders } from './nats-headers';
import { sourceEvent } from './root-event';

/** Header JetStream deduplicates on; also the event id of a received message. */
const MSG_ID_HEADER = 'Nats-Msg-Id';

/** What the subscriber knows of a delivered message, for its span. */
export interface InboundMessage {
  /** The message's subject. */
  readonly subject: string;
  /** Its stream. */
  readonly stream: string;
  /** The durable consumer that delivered it. */
  readonly consumer: string;
  /** Its stream sequence. */
  readonly sequence: number;
  /** 1 the first time it is delivered, then 2, 3, ... */
  readonly deliveryCount: number;
  /** Its message id (`Nats-Msg-Id`), when the publisher set one. */
  readonly msgId: string | undefined;
  /** Body bytes. */
  readonly bodySize: number;
}

/**
 * Turns a delivered message into an event: its id is the message id (else
 * `<stream>-<sequence>`), its data the body (parsed JSON when the headers say
 * JSON, else UTF-8 text), its trace context the one the headers carry (the
 * publisher's span), else none, so the subscriber's span is a new root.
 *
 * @throws NatsUndecodableError when a JSON body does not parse: such a
 * message can never be handled.
 */
export function toInboundEvent(msg: JsMsg): { event: FlowEvent; inbound: InboundMessage } {
  const info = msg.info;
  const msgId = header(msg, MSG_ID_HEADER);
  const inbound: InboundMessage = {
    subject: msg.subject,
    stream: info.stream,
    consumer: info.consumer,
    sequence: msg.seq,
    deliveryCount: info.deliveryCount,
    msgId,
    bodySize: msg.data.byteLength,
  };
  const text = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString(
    'utf8',
  );
  let data: unknown = text;
  if (header(msg, HEADER_CONTENT_TYPE) === JSON_CONTENT_TYPE) {
    try {
      data = JSON.parse(text) as unknown;
    } catch (error) {
      throw new NatsUndecodableError(msg.seq, error);
    }
  }
  const event = sourceEvent(data, {
    id: msgId ?? `${info.stream}-${msg.seq}`,
    metadata: {
      'nats.subject': msg.subject,
      'nats.stream': info.stream,
      'nats.sequence': String(msg.seq),
      'nats.delivery_count': String(info.deliveryCount),
    },
    spanContext: extractTraceHeaders(headersOf(msg)),
  });
  return { event, inbound };
}

/* A missing NATS header reads as "": absent, here. */
function header(msg: JsMsg, name: string): string | undefined {
  const value = headersOf(msg)?.get(name);
  return value === undefined || value === '' ? undefined : value;
}

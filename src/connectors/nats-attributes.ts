/*
 * Span attribute keys of the NATS connectors: the OpenTelemetry messaging
 * semantic conventions where they have one, `messaging.nats.*` for what
 * JetStream adds (the stream sequence is the "message offset" of the span
 * contract).
 */

/** `nats`. */
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
/** `send` on publish, `process` on the subscriber's handler. */
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
/** The subject. */
export const ATTR_MESSAGING_DESTINATION = 'messaging.destination.name';
/** The JetStream message id (`Nats-Msg-Id`) the stream deduplicates on. */
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
/** Body bytes (int). */
export const ATTR_MESSAGING_BODY_SIZE = 'messaging.message.body.size';
/** The durable consumer name shared by every worker of a flow. */
export const ATTR_MESSAGING_CONSUMER_GROUP = 'messaging.consumer.group.name';
/** Server host. */
export const ATTR_SERVER_ADDRESS = 'server.address';
/** Server port (int). */
export const ATTR_SERVER_PORT = 'server.port';
/** The JetStream stream the message is stored in. */
export const ATTR_NATS_STREAM = 'messaging.nats.stream';
/** The message's sequence in its stream (int): its offset. */
export const ATTR_NATS_STREAM_SEQUENCE = 'messaging.nats.stream.sequence';
/** Publish: whether the stream already had this message id (bool). */
export const ATTR_NATS_DUPLICATE = 'messaging.nats.duplicate';
/** Subscribe: how many times this message was delivered, 1 the first time (int). */
export const ATTR_NATS_DELIVERY_COUNT = 'messaging.nats.delivery_count';

/** Header that says the body is JSON (NATS header names are case-sensitive). */
export const HEADER_CONTENT_TYPE = 'Content-Type';
/** The value of {@link HEADER_CONTENT_TYPE} for JSON bodies. */
export const JSON_CONTENT_TYPE = 'application/json';

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { trace } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import { Handler } from '../decorators/handler.decorator';
import { Task } from '../decorators/task.decorator';
import type { EventMetadata, FlowEvent } from '../runtime/event';
import type { TaskContext, TaskLifecycle } from '../runtime/task-context';
import { settlesWithin } from '../runtime/shutdown-budget';
import { ShutdownDeadlineError } from '../runtime/shutdown-deadline-error';
import { WorkerStoppingError } from '../runtime/worker-stopping-error';
import { activeSpan } from '../telemetry/context-manager';
import { setSpanAttributes } from '../telemetry/task-spans';
import { extractTraceContext } from '../telemetry/trace-propagation';
import { HttpEndpointConfig } from './http-endpoint-config';
import { HttpListenError } from './http-errors';
import { decideIncomingTrace, emptyIncomingTraceStats } from './incoming-trace-policy';
import type { IncomingTraceStats, ReportsIncomingTrace } from './incoming-trace-policy';
import { RequestBudget } from './request-budget';
import type { RequestBudgetStats } from './request-budget';
import { sourceEvent } from './root-event';

/**
 * Metadata keys an `http_endpoint` event carries besides the `content-type`
 * and `x-request-id` headers (when the request had them).
 */
export const HTTP_ENDPOINT_METADATA = {
  /** The request method, `POST` or `PUT`. */
  method: 'http.request.method',
  /** The request path, without the query. */
  path: 'url.path',
  /** The client's IP address. */
  client: 'client.address',
  /** The request body's size in bytes, as decimal text. */
  bodySize: 'http.request.body.size',
} as const;

const ACCEPTED_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT']);

/** What an `http_endpoint` refused or cut, and what it holds now (see {@link HttpEndpointTask.stats}). */
export interface HttpEndpointStats extends RequestBudgetStats {
  /** 413 answers: a body over `max_body_bytes`. */
  tooLarge: number;
  /** 408 answers (or cuts): headers or body not received within their timeout. */
  timedOut: number;
  /** Connections closed on arrival because `max_connections` were open. */
  connectionsDropped: number;
}

/** What reading a body came to. */
type BodyOutcome =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'too-large' }
  | { kind: 'busy' }
  | { kind: 'closed' };

/*
 * Once the shutdown deadline cut the drain, how long the requests it
 * abandoned get to send their 503 before every connection is closed.
 */
const ANSWER_AFTER_DEADLINE_MS = 100;

/**
 * `http_endpoint` source: an HTTP server (started in `init`) that turns each
 * POST or PUT to `path` into an event, and answers once the event is
 * accepted into the flow: with what the endpoint's own handler produced (the
 * tasks downstream run after the answer, in their own spans of the same trace).
 *
 * - Event: data = the body parsed as JSON when the content-type says JSON,
 *   else the text; metadata = `content-type`, `x-request-id` and
 *   {@link HTTP_ENDPOINT_METADATA}; trace context = the request's
 *   `traceparent` / `tracestate`, so the trace continues across processes
 *   (without one, each request starts a new trace).
 * - Answers: 200 `{ id, result }` (result = data of the first event the
 *   handler emitted, or null); 500 `{ id, error }` when the event failed after
 *   its retries; 400 for a body that is not the JSON it claims to be; 404 for
 *   another path; 405 for another method; 413 over `max_body_bytes` (nothing
 *   is pushed for these); 503 once the worker is stopping.
 * - Stops when `ctx.signal` aborts: no new connections, requests in flight
 *   are finished until the shutdown deadline (`ctx.deadline`, from
 *   `shutdown_timeout`); those still waiting then get 503, and every
 *   connection is closed.
 *
 * Span attributes on `task.handle`: `http.request.method`, `url.path`,
 * `http.request.body.size` (int), `http.request.id` (the `x-request-id`
 * header, when present), `client.address`.
 *
 * @example
 * ```yaml
 * - { name: orders-in, type: http_endpoint, config: { port: 8080, path: /orders } }
 * ```
 */
@Task({ type: 'http_endpoint', config: HttpEndpointConfig, source: true })
export class HttpEndpointTask implements TaskLifecycle<HttpEndpointConfig>, ReportsIncomingTrace {
  private server: http.Server | undefined;
  private budget = new RequestBudget(1, 1);
  private readonly counts = { tooLarge: 0, timedOut: 0, connectionsDropped: 0 };
  private readonly traceCounts = emptyIncomingTraceStats();
  /** Incoming contexts to link (`trace_context: link`), by the event that carries the request. */
  private readonly links = new WeakMap<FlowEvent, SpanContext>();
  private ctx: TaskContext<HttpEndpointConfig> | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private boundPort = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private onStop: (() => void) | undefined;

  /** The port the server listens on (the one picked when `port: 0`); 0 before `init`. */
  get port(): number {
    return this.boundPort;
  }

  /** What the endpoint holds now (in-flight requests, buffered body bytes), their peaks, and what it refused. */
  get stats(): HttpEndpointStats {
    return { ...this.budget.stats, ...this.counts };
  }

  /**
   * What the `trace_context` / `honor_sampled_flag` policy did with incoming
   * `traceparent` headers; `unsampledSuppressed` counts requests whose spans
   * a client's "not sampled" flag switched off (only with `honor_sampled_flag: true`).
   */
  get incomingTraceStats(): IncomingTraceStats {
    return { ...this.traceCounts };
  }

  /** Whether the server is accepting connections. */
  get listening(): boolean {
    return this.server?.listening === true;
  }

  /** Starts the server on the configured host and port. */
  async init(ctx: TaskContext<HttpEndpointConfig>): Promise<void> {
    this.ctx = ctx;
    const { host, port, path } = ctx.config;
    const config = ctx.config;
    this.budget = new RequestBudget(config.max_in_flight, config.max_buffered_bytes);
    const server = http.createServer(
      {
        headersTimeout: config.headerTimeoutMs,
        requestTimeout: config.bodyTimeoutMs,
        keepAliveTimeout: config.idleTimeoutMs,
        // Node checks both timeouts on this interval (default 30 s): keep the cut near its time.
        connectionsCheckingInterval: Math.max(50, Math.min(1000, config.headerTimeoutMs / 4)),
      },
      (req, res) => {
        const handling = this.onRequest(req, res, ctx).catch((error: unknown) => {
          ctx.logger.error({ err: error }, 'http endpoint request failed');
          if (!res.headersSent) reply(res, 500, { error: 'internal error' });
          else res.destroy();
        });
        this.inFlight.add(handling);
        void handling.finally(() => this.inFlight.delete(handling));
      },
    );
    server.maxConnections = config.max_connections;
    server.on('drop', () => this.counts.connectionsDropped++);
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
      this.onClientError(error, socket),
    );
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(new HttpListenError(ctx.name, host, port, error.code, { cause: error }));
      };
      server.once('error', onError);
      server.listen({ host, port }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    // Later server errors (e.g. EMFILE on accept) are logged, never crash the worker.
    server.on('error', (error) => ctx.logger.error({ err: error }, 'http endpoint server error'));
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    ctx.logger.info(
      { host, port: this.boundPort, path },
      `http endpoint listening on http://${host}:${this.boundPort}${path}`,
    );
  }

  /** Serves until `ctx.signal` aborts, then stops the server gracefully. */
  async run(ctx: TaskContext<HttpEndpointConfig>): Promise<void> {
    if (!ctx.signal.aborted && this.stopped === undefined) {
      // Also ends when close() stopped the server first, so run never outlives it.
      await new Promise<void>((resolve) => {
        this.onStop = resolve;
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    await this.stop();
  }

  /** Stops the server if `run` did not (e.g. the flow failed before running). */
  async close(): Promise<void> {
    await this.stop();
  }

  /** Passes the request's event on, recording the request on the span. */
  @Handler()
  handle(event: FlowEvent): FlowEvent {
    const m = event.metadata;
    const size = Number(m[HTTP_ENDPOINT_METADATA.bodySize]);
    setSpanAttributes({
      'http.request.method': m[HTTP_ENDPOINT_METADATA.method],
      'url.path': m[HTTP_ENDPOINT_METADATA.path],
      'http.request.body.size': Number.isInteger(size) ? size : undefined,
      'http.request.id': m['x-request-id'],
      'client.address': m[HTTP_ENDPOINT_METADATA.client],
    });
    const link = this.links.get(event);
    if (link !== undefined) addLinkToActiveSpan(link);
    // A new event stamped with this handler's span, so downstream spans are its children.
    return event.withData(event.data);
  }

  private stop(): Promise<void> {
    return (this.stopped ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.onStop?.();
    const server = this.server;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drained = Promise.allSettled([...this.inFlight]);
    const deadline = this.ctx?.deadline;
    if (deadline !== undefined && !(await untilDrainedOrAborted(drained, deadline))) {
      // The runtime abandoned the parked events at the deadline: let their 503s go out.
      await settlesWithin(drained, ANSWER_AFTER_DEADLINE_MS);
    }
    // Whatever is left is idle keep-alive or a client too slow to wait for.
    server.closeAllConnections();
    await closed;
    this.ctx?.logger.info({}, 'http endpoint stopped');
  }

  private async onRequest(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    ctx: TaskContext<HttpEndpointConfig>,
  ): Promise<void> {
    const { path, max_body_bytes: limit } = ctx.config;
    if (this.stopping) return reply(res, 503, { error: 'the endpoint is stopping' }, true);
    const url = new URL(req.url ?? '/', 'http://endpoint.invalid');
    if (url.pathname !== path) return reply(res, 404, { error: `not found; events go to ${path}` });
    const method = req.method ?? '';
    if (!ACCEPTED_METHODS.has(method)) {
      res.setHeader('allow', 'POST, PUT');
      return reply(res, 405, { error: 'method not allowed; use POST or PUT' });
    }
    const declared = Number(req.headers['content-length']);
    const reserve = Number.isFinite(declared) ? declared : 0;
    if (reserve > limit) return this.tooLarge(res, limit);

    // Admitted before a byte of the body is read: the declared length is reserved.
    const ticket = this.budget.admit(reserve);
    if (ticket === undefined) return this.busy(res, ctx);
    try {
      // Read and parsed in a frame of its own: only the event outlives it, not the raw bytes.
      const event = await this.readEvent(req, res, ctx, url.pathname, reserve, (n) =>
        ticket.grow(n),
      );
      if (event !== undefined) await this.pushAndReply(res, ctx, event);
    } finally {
      ticket.release();
    }
  }

  /** Reads the body into an event; undefined when the request was answered (or lost) instead. */
  private async readEvent(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    ctx: TaskContext<HttpEndpointConfig>,
    pathname: string,
    reserve: number,
    grow: (bytes: number) => boolean,
  ): Promise<FlowEvent | undefined> {
    const limit = ctx.config.max_body_bytes;
    const outcome = await readBody(req, limit, reserve, grow);
    if (outcome.kind === 'closed') return undefined; // the client left, or timed out (408 by onClientError)
    if (outcome.kind === 'too-large') return void this.tooLarge(res, limit);
    if (outcome.kind === 'busy') return void this.busy(res, ctx);
    if (this.stopping) return void reply(res, 503, { error: 'the endpoint is stopping' }, true);
    const body = outcome.body;
    const contentType = req.headers['content-type'];
    let data: unknown;
    if (contentType !== undefined && /[/+]json\b/i.test(contentType)) {
      const text = body.toString('utf8');
      try {
        data = text.trim() === '' ? null : (JSON.parse(text) as unknown);
      } catch {
        return void reply(res, 400, { error: 'the body is not valid JSON' });
      }
    } else {
      data = body.toString('utf8');
    }

    const metadata: EventMetadata = {
      [HTTP_ENDPOINT_METADATA.method]: req.method ?? '',
      [HTTP_ENDPOINT_METADATA.path]: pathname,
      [HTTP_ENDPOINT_METADATA.bodySize]: String(body.byteLength),
    };
    if (contentType !== undefined) metadata['content-type'] = contentType;
    const requestId = header(req, 'x-request-id');
    if (requestId !== undefined) metadata['x-request-id'] = requestId;
    const client = req.socket.remoteAddress;
    if (client !== undefined) metadata[HTTP_ENDPOINT_METADATA.client] = client;

    // What the client's trace context may do is the endpoint's policy (trace_context, honor_sampled_flag).
    const trust = decideIncomingTrace(
      trace.getSpanContext(extractTraceContext(req.headers)),
      { mode: ctx.config.trace_context, honorSampledFlag: ctx.config.honor_sampled_flag },
      this.traceCounts,
    );
    const event = sourceEvent(data, { metadata, spanContext: trust.parent });
    if (trust.link !== undefined) this.links.set(event, trust.link);
    return event;
  }

  /** Pushes the event into the flow and answers with what the handler produced. */
  private async pushAndReply(
    res: http.ServerResponse,
    ctx: TaskContext<HttpEndpointConfig>,
    event: FlowEvent,
  ): Promise<void> {
    let out: readonly FlowEvent[];
    try {
      out = await ctx.push(event);
    } catch (error) {
      if (error instanceof WorkerStoppingError || error instanceof ShutdownDeadlineError) {
        return reply(res, 503, { id: event.id, error: 'the endpoint is stopping' }, true);
      }
      return reply(res, 500, { id: event.id, error: messageOf(error) });
    }
    reply(res, 200, { id: event.id, result: out[0]?.data ?? null }, this.stopping);
  }

  /**
   * 503 with `Retry-After` for a request over `max_in_flight` or
   * `max_buffered_bytes`. The connection stays open so Node discards the
   * unread body and the client reads the answer (closing at once would reset
   * a client still sending); `body_timeout` bounds how long that may take.
   */
  private busy(res: http.ServerResponse, ctx: TaskContext<HttpEndpointConfig>): void {
    res.setHeader('retry-after', String(ctx.config.retryAfterSeconds));
    reply(res, 503, { error: 'the endpoint is busy; retry later' });
  }

  private tooLarge(res: http.ServerResponse, limit: number): void {
    this.counts.tooLarge++;
    // Connection: close, so Node drops the unread rest of the body with the
    // socket instead of reading it to keep the connection alive.
    reply(res, 413, { error: `the body is larger than ${limit} bytes` }, true);
  }

  /**
   * Node's own answers to a broken or slow client (what it does without this
   * listener), counting timeouts: 408 when the headers or the body took
   * longer than their timeout, 431 for oversized headers, else 400.
   */
  private onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (timedOut) this.counts.timedOut++;
    if (socket.writable && socket.bytesWritten === 0) {
      const status = timedOut
        ? '408 Request Timeout'
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroySoon();
  }
}

/** Links the active span (this handler's) to `context`; telemetry never throws into the request. */
function addLinkToActiveSpan(context: SpanContext): void {
  try {
    activeSpan()?.addLink({ context });
  } catch {
    // An SDK without addLink: the link is lost, the request is not.
  }
}

/** True once `drained` settled, false when `deadline` aborted first. */
function untilDrainedOrAborted(drained: Promise<unknown>, deadline: AbortSignal): Promise<boolean> {
  if (deadline.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => resolve(false);
    deadline.addEventListener('abort', onAbort, { once: true });
    void drained.then(() => {
      deadline.removeEventListener('abort', onAbort);
      resolve(true);
    });
  });
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads the body, asking `grow` for every byte past the `reserved` ones. As
 * soon as the body passes `limit` or `grow` refuses, it stops keeping chunks
 * (the rest is discarded, never buffered).
 */
function readBody(
  req: http.IncomingMessage,
  limit: number,
  reserved: number,
  grow: (bytes: number) => boolean,
): Promise<BodyOutcome> {
  return new Promise<BodyOutcome>((resolve) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: BodyOutcome): void => {
      if (settled) return;
      settled = true;
      chunks = [];
      resolve(outcome);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      const before = size;
      size += chunk.byteLength;
      if (size > limit) return settle({ kind: 'too-large' });
      const extra = size - Math.max(before, reserved);
      if (extra > 0 && !grow(extra)) return settle({ kind: 'busy' });
      chunks.push(chunk);
    });
    req.on('end', () => settle({ kind: 'ok', body: Buffer.concat(chunks) }));
    req.on('error', () => settle({ kind: 'closed' }));
    req.on('close', () => settle({ kind: 'closed' }));
  });
}

function reply(res: http.ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent) return;
  let text: string;
  try {
    text = JSON.stringify(body);
  } catch {
    status = 500;
    text = JSON.stringify({ error: 'the result cannot be sent as JSON' });
  }
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  if (close) res.setHeader('connection', 'close');
  res.end(text);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

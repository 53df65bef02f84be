import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Handler } from '../decorators/handler.decorator';
import { Task } from '../decorators/task.decorator';
import type { EventMetadata, FlowEvent } from '../runtime/event';
import type { TaskContext, TaskLifecycle } from '../runtime/task-context';
import { settlesWithin } from '../runtime/shutdown-budget';
import { ShutdownDeadlineError } from '../runtime/shutdown-deadline-error';
import { WorkerStoppingError } from '../runtime/worker-stopping-error';
import { setSpanAttributes } from '../telemetry/task-spans';
import { extractTraceContext } from '../telemetry/trace-propagation';
import { HttpEndpointConfig } from './http-endpoint-config';
import { HttpListenError } from './http-errors';
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
export class HttpEndpointTask implements TaskLifecycle<HttpEndpointConfig> {
  private server: http.Server | undefined;
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

  /** Whether the server is accepting connections. */
  get listening(): boolean {
    return this.server?.listening === true;
  }

  /** Starts the server on the configured host and port. */
  async init(ctx: TaskContext<HttpEndpointConfig>): Promise<void> {
    this.ctx = ctx;
    const { host, port, path } = ctx.config;
    const server = http.createServer((req, res) => {
      const handling = this.onRequest(req, res, ctx).catch((error: unknown) => {
        ctx.logger.error({ err: error }, 'http endpoint request failed');
        if (!res.headersSent) reply(res, 500, { error: 'internal error' });
        else res.destroy();
      });
      this.inFlight.add(handling);
      void handling.finally(() => this.inFlight.delete(handling));
    });
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
    if (Number.isFinite(declared) && declared > limit) return tooLarge(res, limit);

    const body = await readBody(req, limit);
    if (body === undefined) return tooLarge(res, limit);
    if (this.stopping) return reply(res, 503, { error: 'the endpoint is stopping' }, true);

    const contentType = req.headers['content-type'];
    let data: unknown;
    if (contentType !== undefined && /[/+]json\b/i.test(contentType)) {
      const text = body.toString('utf8');
      try {
        data = text.trim() === '' ? null : (JSON.parse(text) as unknown);
      } catch {
        return reply(res, 400, { error: 'the body is not valid JSON' });
      }
    } else {
      data = body.toString('utf8');
    }

    const metadata: EventMetadata = {
      [HTTP_ENDPOINT_METADATA.method]: method,
      [HTTP_ENDPOINT_METADATA.path]: url.pathname,
      [HTTP_ENDPOINT_METADATA.bodySize]: String(body.byteLength),
    };
    if (contentType !== undefined) metadata['content-type'] = contentType;
    const requestId = header(req, 'x-request-id');
    if (requestId !== undefined) metadata['x-request-id'] = requestId;
    const client = req.socket.remoteAddress;
    if (client !== undefined) metadata[HTTP_ENDPOINT_METADATA.client] = client;

    const event = sourceEvent(data, {
      metadata,
      traceContext: extractTraceContext(req.headers),
    });
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

/** Reads the body; `undefined` as soon as it grows past `limit` (the rest is not kept). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.byteLength;
      if (size > limit) settle(() => resolve(undefined));
      else chunks.push(chunk);
    });
    req.on('end', () => settle(() => resolve(Buffer.concat(chunks))));
    req.on('error', (error) => settle(() => reject(error)));
    req.on('close', () => settle(() => reject(new Error('the client closed the request'))));
  });
}

function tooLarge(res: http.ServerResponse, limit: number): void {
  // Connection: close, so Node drops the unread rest of the body with the
  // socket instead of reading it to keep the connection alive.
  reply(res, 413, { error: `the body is larger than ${limit} bytes` }, true);
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

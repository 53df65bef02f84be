import http from 'node:http';
import https from 'node:https';
import { Handler } from '../decorators/handler.decorator';
import { Task } from '../decorators/task.decorator';
import type { FlowEvent } from '../runtime/event';
import { ShutdownDeadlineError } from '../runtime/shutdown-deadline-error';
import type { TaskContext } from '../runtime/task-context';
import { setSpanAttributes } from '../telemetry/task-spans';
import { injectTraceContext as writeTraceContext } from '../telemetry/trace-propagation';
import { renderTemplate } from './body-template';
import { HttpStatusError, HttpTimeoutError } from './http-errors';
import { HttpRequestConfig } from './http-request-config';
import { portOf, redactUrl } from './http-url';

/** A response read in full. */
interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

const WITH_BODY: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/**
 * `http_request` task: sends one HTTP request per event and emits the
 * response body (parsed JSON when the response says JSON, else text) as the
 * new event's data, keeping the event's id and metadata.
 *
 * - Body: the `body` template filled from the event, else (POST, PUT, PATCH)
 *   the event data as JSON.
 * - The `task.handle` span's W3C `traceparent` / `tracestate` are sent, so the
 *   server continues the trace.
 * - A response outside 2xx throws {@link HttpStatusError} and no response in
 *   `timeout` throws {@link HttpTimeoutError}, both retried by the runtime;
 *   network errors (refused, reset, DNS) are thrown as Node reports them.
 * - At the shutdown deadline (`ctx.deadline`) the request is aborted and its
 *   socket closed, so a slow server cannot hold the worker.
 * - Credentials in the URL (`user:pass@`) are sent as Basic auth but never
 *   shown; header values are never logged nor put on spans.
 *
 * Span attributes on `task.handle`: `http.request.method`, `url.full`
 * (without credentials or secret query values), `server.address`,
 * `server.port` (int), `http.response.status_code` (int),
 * `http.response.request_id` (the response's `x-request-id`, when present),
 * `http.response.body.size` (int, bytes).
 *
 * @example
 * ```yaml
 * - { name: notify, type: http_request, config: { url: "https://api.example.com/orders" } }
 * ```
 */
@Task({ type: 'http_request', config: HttpRequestConfig })
export class HttpRequestTask {
  /** Sends the request for one event; resolves with the response as the new event. */
  @Handler()
  async handle(event: FlowEvent, ctx: TaskContext<HttpRequestConfig>): Promise<FlowEvent> {
    const { config } = ctx;
    const url = new URL(config.url);
    const shownUrl = redactUrl(url);
    const method = config.method;
    setSpanAttributes({
      'http.request.method': method,
      'url.full': shownUrl,
      'server.address': url.hostname.replace(/^\[(.*)\]$/, '$1'),
      'server.port': portOf(url),
    });

    const headers = lowerCaseKeys(config.headers);
    const body = requestBody(config, event, headers);
    injectTraceContext(headers);

    let response: HttpResponse;
    try {
      response = await send(url, method, headers, body, config.timeoutMs, ctx.deadline);
    } catch (error) {
      if (error instanceof DeadlinePassed) throw new ShutdownDeadlineError(ctx.name);
      if (error instanceof TimedOut) {
        throw new HttpTimeoutError(method, shownUrl, config.timeoutMs, ctx.name, {
          cause: error.cause,
        });
      }
      throw error;
    }

    const requestId = headerValue(response.headers['x-request-id']);
    setSpanAttributes({
      'http.response.status_code': response.status,
      'http.response.request_id': requestId,
      'http.response.body.size': response.body.byteLength,
    });
    ctx.logger.debug(
      { method, url: shownUrl, status: response.status, request_id: requestId },
      'http request done',
    );
    if (response.status < 200 || response.status > 299) {
      throw new HttpStatusError(response.status, method, shownUrl, ctx.name);
    }
    return event.withData(parseBody(response));
  }
}

/** The body to send, setting a content-type when the config gives none. */
function requestBody(
  config: HttpRequestConfig,
  event: FlowEvent,
  headers: Record<string, string>,
): Buffer | undefined {
  let text: string;
  let contentType: string;
  if (config.body !== undefined) {
    text = renderTemplate(config.body, {
      id: event.id,
      data: event.data,
      metadata: event.metadata,
    });
    contentType = looksLikeJson(text) ? 'application/json' : 'text/plain; charset=utf-8';
  } else if (WITH_BODY.has(config.method)) {
    text = JSON.stringify(event.data ?? null);
    contentType = 'application/json';
  } else {
    return undefined;
  }
  headers['content-type'] ??= contentType;
  return Buffer.from(text, 'utf8');
}

/*
 * The active context is the task.handle span's (the handler runs inside it):
 * the server's spans become its children. It goes out through the
 * propagation API (the process's propagator, else W3C). A traceparent
 * written in the config is replaced, and a tracestate from the config
 * dropped, because they would describe another trace.
 */
function injectTraceContext(headers: Record<string, string>): void {
  const carrier: Record<string, string> = {};
  writeTraceContext(carrier);
  if (Object.keys(carrier).length === 0) return;
  delete headers.tracestate;
  Object.assign(headers, carrier);
}

/** Marks a request aborted by its timeout, as opposed to a network error. */
class TimedOut extends Error {}

/** Marks a request aborted because the shutdown deadline passed. */
class DeadlinePassed extends Error {}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  timeoutMs: number,
  deadline: AbortSignal,
): Promise<HttpResponse> {
  if (deadline.aborted) return Promise.reject(new DeadlinePassed('shutdown deadline passed'));
  const controller = new AbortController();
  // Own timer (not AbortSignal.timeout) so it is cleared as soon as the
  // response is complete instead of lingering until it fires.
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  // One listener per request, removed when it ends (AbortSignal.any would
  // keep every request's signal reachable from the long-lived deadline).
  const onDeadline = (): void => controller.abort();
  deadline.addEventListener('abort', onDeadline, { once: true });
  const client = url.protocol === 'https:' ? https : http;
  if (body !== undefined) headers['content-length'] = String(body.byteLength);
  return new Promise<HttpResponse>((resolve, reject) => {
    const fail = (error: Error): void => {
      if (deadline.aborted)
        reject(new DeadlinePassed('shutdown deadline passed', { cause: error }));
      else reject(controller.signal.aborted ? new TimedOut('timed out', { cause: error }) : error);
    };
    // With a URL object Node sends `user:pass@` as Basic auth itself.
    const req = client.request(url, { method, headers, signal: controller.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', fail);
    req.end(body);
  }).finally(() => {
    clearTimeout(timer);
    deadline.removeEventListener('abort', onDeadline);
  });
}

function parseBody(response: HttpResponse): unknown {
  const type = headerValue(response.headers['content-type']) ?? '';
  const text = response.body.toString('utf8');
  if (!/[/+]json\b/i.test(type)) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A server that labels non-JSON as JSON: keep the text rather than fail
    // an exchange that succeeded (a retry would get the same answer).
    return text;
  }
}

function looksLikeJson(text: string): boolean {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the server got, and what became of it. */
export interface SeenRequest {
  /** The body as text. */
  readonly body: string;
  /** When its body was read (`Date.now()`). */
  readonly at: number;
  /** When the answer was sent, if it was. */
  answeredAt?: number;
  /** When the client went away before an answer, if it did. */
  abortedAt?: number;
}

/** Options of {@link SlowServer.start}. */
export interface SlowServerOptions {
  /** Answer delay in ms; undefined: never answer (the request hangs until the client leaves). */
  readonly delayMs?: number;
  /** Only the first this many requests are answered (after `delayMs`, default 0); the rest hang. */
  readonly answerFirst?: number;
}

/**
 * The downstream service of an `http_request` task: answers each request
 * with `{ answered: <the body's n> }` after a delay, or never, and records
 * every request, its answer and whether the client went away first.
 */
export class SlowServer {
  readonly requests: SeenRequest[] = [];
  private readonly arrivals: Array<{ count: number; resolve: () => void }> = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: http.Server,
    private readonly options: SlowServerOptions,
  ) {
    server.on('request', (req, res) => this.onRequest(req, res));
  }

  /** Starts a server on a free port of 127.0.0.1. */
  static async start(options: SlowServerOptions | number | undefined): Promise<SlowServer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const given = typeof options === 'object' ? options : { delayMs: options };
    return new SlowServer(server, given);
  }

  /** The URL to send work to. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/work`;
  }

  /** Resolves once the first request has arrived (its body read). */
  firstRequest(): Promise<void> {
    return this.requestCount(1);
  }

  /** Resolves once `count` requests have arrived (their bodies read). */
  requestCount(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise<void>((resolve) => this.arrivals.push({ count, resolve }));
  }

  /** Stops answering, cuts every connection and closes. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = { body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      const index = this.requests.push(seen);
      res.on('close', () => {
        if (!res.writableFinished) seen.abortedAt = Date.now();
      });
      for (const waiter of [...this.arrivals]) {
        if (this.requests.length < waiter.count) continue;
        this.arrivals.splice(this.arrivals.indexOf(waiter), 1);
        waiter.resolve();
      }
      const { delayMs, answerFirst } = this.options;
      if (delayMs === undefined && answerFirst === undefined) return; // hangs until the client goes away
      if (answerFirst !== undefined && index > answerFirst) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const n = (JSON.parse(seen.body) as { n: number }).n;
        res.on('finish', () => {
          seen.answeredAt = Date.now();
        });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ answered: n }));
      }, delayMs ?? 0);
      this.timers.add(timer);
    });
  }
}

import * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { processScene } from './support/process-scene';
import { SlowServer } from './support/slow-server';

/** What one client got: a status, or the error code of a connection that failed. */
type Outcome = { status: number } | { error: string };

function post(port: number, agent: http.Agent, body: string): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/', method: 'POST', agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? 'ERR' }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? 'ERR' }));
    req.setHeader('content-type', 'application/json');
    req.end(body);
  });
}

describe('e2e: http_endpoint with parked requests stops within shutdown_timeout (real child processes)', () => {
  const scene = processScene('flowgen-e2e-drain-');

  it('@slow 200 requests parked behind a hanging downstream, SIGTERM: each client gets an answer, exit within shutdown_timeout + margin, the parked events counted lost', async function () {
    this.timeout(30_000);
    const shutdownMs = 2_000;
    const clients = 200;
    const server = await SlowServer.start(undefined); // never answers
    scene.onCleanup(() => server.close());
    const flow = scene.dir.fixture('flows/endpoint-to-http.yaml', { URL: server.url });
    const config = scene.dir.fixture('workers/no-telemetry.yaml', {
      SHUTDOWN_TIMEOUT: `${shutdownMs}ms`,
    });
    const worker = scene.pool.spawn(['run', flow, '--config', config], { label: 'worker' });
    const listening = await worker.waitForLog(
      (l) => l.msg?.startsWith('http endpoint listening') === true,
      10_000,
      'the endpoint listening',
    );
    const port = listening.port as number;

    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    scene.onCleanup(() => agent.destroy());
    const outcomes = Array.from({ length: clients }, (_, n) =>
      post(port, agent, JSON.stringify({ n })),
    );
    await server.firstRequest();
    await sleep(1_500); // every request read and pushed, most of them parked
    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(shutdownMs + 3_000);
    const settled = await Promise.race([Promise.all(outcomes), sleep(1_000).then(() => 'pending')]);

    expect(exit, worker.describe()).to.include({ code: 0, signal: null });
    expect(exit.msSinceSignal, 'exit within shutdown_timeout + margin').to.be.below(
      shutdownMs + 2_500,
    );
    expect(settled, 'every client had its answer when the worker was gone').to.not.equal('pending');
    const results = settled as Outcome[];
    const statuses = new Map<string, number>();
    for (const r of results) {
      const key = 'status' in r ? String(r.status) : r.error;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
    // 65 were taken into the flow at once (one by call's handler, 64 queued
    // in its channel) and answered 200; the rest waited on the full channel
    // and got 503 at the deadline instead of a reset.
    expect(Object.fromEntries(statuses)).to.deep.equal({ 200: 65, 503: clients - 65 });

    const finished = worker.logLines().find((l) => l.msg === 'flow finished');
    expect(finished, worker.describe()).to.not.equal(undefined);
    const stats = finished!.stats as Record<string, { processed: number }>;
    // Requests read after the signal got 503 without entering the flow (on a
    // busy machine some may still be unread at the signal); each one that did
    // enter is lost downstream, none was handled by call.
    expect(stats.inbox!.processed).to.be.within(65, clients);
    expect(stats.call!.processed).to.equal(0);
    expect(finished!.events_lost, 'every event that entered the flow is lost').to.equal(
      stats.inbox!.processed,
    );
    expect(server.requests).to.have.length(1);
  });
});

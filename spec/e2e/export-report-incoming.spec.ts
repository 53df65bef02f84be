import http from 'node:http';
import { connect } from 'node:net';
import { expect } from 'chai';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { runFlow } from '../../src/run-flow';
import { parseFlow } from '../../src/runtime/flow-loader';
import { captureLogger } from './support/capture-logger';
import type { CapturedLine } from './support/capture-logger';
import { FAST_RETRY, exportScene, telemetryTo } from './support/export-run';
import { freePort } from './support/spawn-worker';

const UNSAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

function post(port: number, traceparent: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/in',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(traceparent === undefined ? {} : { traceparent }),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end('{"n":1}');
  });
}

async function untilListening(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`nothing listened on ${port}`);
}

/*
 * An endpoint's client may mark its request "not sampled" (`-00`). The
 * end-of-run report says how many such requests were traced anyway (the
 * default) or, with honor_sampled_flag, how many had their spans suppressed.
 */
async function runEndpointFlow(
  receiverEndpoint: string,
  honorSampledFlag: boolean,
): Promise<CapturedLine | undefined> {
  const port = await freePort();
  const flow = parseFlow(
    `
flow:
  name: incoming
  tasks:
    - http_endpoint: { name: in, port: ${port}, path: /in, honor_sampled_flag: ${honorSampledFlag} }
    - log: { name: out, level: debug }
`,
    'incoming.yaml',
  );
  const log = captureLogger();
  const stop = new AbortController();
  const run = runFlow({
    flow,
    worker: loadWorkerConfig({ retry: FAST_RETRY, telemetry: telemetryTo(receiverEndpoint) }),
    signal: stop.signal,
    logger: log.logger,
  });
  await untilListening(port);
  expect(await post(port, UNSAMPLED)).to.equal(200);
  expect(await post(port, UNSAMPLED)).to.equal(200);
  expect(await post(port, undefined)).to.equal(200);
  stop.abort();
  await run;
  return log.lines().find((l) => l.msg?.startsWith('telemetry:') === true);
}

describe('e2e: the end-of-run report counts what clients asked of tracing', () => {
  const { receivers } = exportScene();

  it('by default traces "not sampled" requests anyway and counts them', async () => {
    const receiver = await receivers.start();
    const report = await runEndpointFlow(receiver.endpoint, false);
    expect(report?.msg).to.equal('telemetry: every span was exported');
    expect(report).to.include({ unsampled_requests_traced: 2, spans_lost: 0 });
    expect(report).to.not.have.property('spans_suppressed_by_client');
    const handles = receiver.spans().filter((s) => s.name === 'task.handle');
    // 3 requests x 2 tasks: none suppressed
    expect(handles).to.have.length(6);
  });

  it('with honor_sampled_flag, warns and counts the requests whose spans the client suppressed', async () => {
    const receiver = await receivers.start();
    const report = await runEndpointFlow(receiver.endpoint, true);
    expect(report?.level).to.equal(40);
    expect(report?.msg).to.equal(
      'telemetry: clients switched tracing off for some requests (honor_sampled_flag)',
    );
    expect(report).to.include({ spans_suppressed_by_client: 2 });
    expect(report).to.not.have.property('unsampled_requests_traced');
    const handles = receiver.spans().filter((s) => s.name === 'task.handle');
    expect(handles).to.have.length(2);
  });
});

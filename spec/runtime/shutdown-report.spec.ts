import type { TracerProvider } from '@opentelemetry/api';
import { expect } from 'chai';
import { inject, injectable } from 'tsyringe';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import { parseFlow } from '../../src/runtime/flow-loader';
import { runFlow } from '../../src/run-flow';
import { TRACER_PROVIDER } from '../../src/telemetry/tokens';
import { captureLogger } from '../e2e/support/capture-logger';
import { ReceiverPool, telemetryTo } from '../e2e/support/export-run';
import { ListSource } from './fixtures/test-tasks';

/** Starts a span of its own, never ends it, and never settles. */
@injectable()
@Task({ type: 'leaky' })
class LeakyTask {
  static started = 0;

  constructor(@inject(TRACER_PROVIDER) private readonly tracers: TracerProvider) {}

  @Handler()
  handle(): Promise<never> {
    this.tracers.getTracer('user-code').startSpan('db.query');
    LeakyTask.started++;
    return new Promise<never>(() => undefined);
  }
}

describe('end-of-run report after the shutdown deadline (real OTLP/gRPC receiver)', () => {
  const receivers = new ReceiverPool();
  afterEach(() => receivers.stopAll());

  it('counts a span a handler left open as lost: it can never be exported', async () => {
    LeakyTask.started = 0;
    const receiver = await receivers.start();
    const log = captureLogger();
    const controller = new AbortController();
    const running = runFlow({
      flow: parseFlow(
        'flow:\n  name: leaky\n  tasks:\n    - list: { name: src, items: [1] }\n    - leaky: { name: db }\n',
        'leaky.yaml',
      ),
      worker: loadWorkerConfig({
        telemetry: telemetryTo(receiver.endpoint),
        shutdown_timeout: '800ms',
      }),
      taskClasses: [ListSource, LeakyTask],
      signal: controller.signal,
      logger: log.logger,
    });
    const poll = setInterval(() => {
      if (LeakyTask.started > 0) controller.abort();
    }, 5);
    const result = await running;
    clearInterval(poll);

    expect(result.lost).to.deep.equal({ db: 1 });
    const report = log.lines().find((l) => l.msg?.startsWith('telemetry:') === true);
    expect(report?.msg).to.equal('telemetry: some spans never reached the collector');
    const exported = receiver.spans().length;
    expect(report).to.include({ spans_never_ended: 1, spans_exported: exported, spans_lost: 1 });
    expect(receiver.spans().map((s) => s.name)).to.not.include('db.query');
    // The abandoned task.handle span itself did end (ERROR) and was exported.
    const db = receiver
      .spans()
      .filter((s) => s.name === 'task.handle' && s.attributes.task === 'db');
    expect(db.map((s) => s.status.code)).to.deep.equal([2]);
  });
});

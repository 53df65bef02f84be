import { expect } from 'chai';
import type { LogConfig } from '../../src/connectors/log-config';
import { LogTask } from '../../src/connectors/log.task';
import { FlowEvent } from '../../src/runtime/event';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { CapturedLog, configErrorFor, configFor, startTask } from './task-harness';

const MARKER = 'PAYLOAD-MARKER-51c0de';

describe('connectors: log', () => {
  let kit: TestTelemetry;
  beforeEach(() => {
    kit = TestTelemetry.create();
  });
  afterEach(() => kit.shutdown());

  describe('config', () => {
    it('defaults to level info without the payload', () => {
      const config = configFor<LogConfig>(LogTask, {});
      expect(config.level).to.equal('info');
      expect(config.include_payload).to.equal(false);
    });

    it('rejects an unknown level, a quoted boolean and an unknown key', () => {
      expect(configErrorFor(LogTask, { level: 'verbose' }).message).to.contain(
        'tasks[0].config.level: got "verbose"; must be one of trace, debug, info, warn, error',
      );
      expect(configErrorFor(LogTask, { include_payload: 'true' }).issues[0]?.path).to.equal(
        'tasks[0].config.include_payload',
      );
      expect(configErrorFor(LogTask, { include_body: true }).issues[0]?.path).to.equal(
        'tasks[0].config.include_body',
      );
    });
  });

  it('writes task, event_id, bytes and metadata but never the payload by default', async () => {
    const log = new CapturedLog();
    const h = await startTask<LogTask, LogConfig>(kit, LogTask, {
      name: 'audit',
      id: 2,
      logger: log.logger,
    });
    const input = FlowEvent.create(
      { secret: MARKER, nested: { also: MARKER } },
      { id: 'evt-9', metadata: { source: 'spec' } },
    );
    const [out] = await h.handle(input);

    expect(log.text).not.to.contain(MARKER);
    const [line, ...more] = log.lines;
    expect(more).to.have.length(0);
    expect(line).to.include({ task: 'audit', event_id: 'evt-9', bytes: input.size, level: 30 });
    expect(line?.metadata).to.deep.equal({ source: 'spec' });
    expect(line).not.to.have.property('payload');

    const span = kit.span('task.handle');
    // The line is correlated with the handle span.
    expect(line?.span_id).to.equal(span.spanContext().spanId);
    expect(span.attributes).to.include({ task: 'audit', task_id: 2, 'log.level': 'info' });

    // Passed through unchanged, as a child of the handle span.
    expect(out?.data).to.deep.equal(input.data);
    expect(out?.id).to.equal('evt-9');
    expect(out?.spanContext?.spanId).to.equal(span.spanContext().spanId);
    // Nothing of the payload reached the span either.
    expect(JSON.stringify(span.attributes)).not.to.contain(MARKER);
  });

  it('writes the payload with include_payload: true, at the configured level', async () => {
    const log = new CapturedLog();
    const h = await startTask<LogTask, LogConfig>(kit, LogTask, {
      logger: log.logger,
      config: { level: 'debug', include_payload: true },
    });
    await h.handle(FlowEvent.create({ secret: MARKER }));
    const [line] = log.lines;
    expect(line?.level).to.equal(20);
    expect(line?.payload).to.deep.equal({ secret: MARKER });
    expect(kit.span('task.handle').attributes['log.level']).to.equal('debug');
  });

  it('writes nothing below the logger level', async () => {
    const log = new CapturedLog('info');
    const h = await startTask(kit, LogTask, { logger: log.logger, config: { level: 'debug' } });
    const out = await h.handle(FlowEvent.create({ n: 1 }));
    expect(log.lines).to.have.length(0);
    expect(out).to.have.length(1);
  });
});

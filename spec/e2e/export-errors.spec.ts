import { expect } from 'chai';
import { exportScene, runExportingFlow, telemetryTo } from './support/export-run';
import { latestPerTask, spansNamed, taskOf } from './support/received';

const FLOW = `
flow:
  name: failing
  tasks:
    - generate: { name: src, interval: 5ms, count: 4 }
    - script:
        name: boom
        code: "if (event.data.n === 2) throw new Error('boom ' + event.data.n); event"
        retry: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 2ms }
    - log: { name: out }
`;

describe('export e2e: error status and exception events over the wire', () => {
  const { receivers } = exportScene();

  it('marks the failed task.handle ERROR with the message, an exception event and one attempt.failed per attempt', async () => {
    const r = await receivers.start();
    const { result } = await runExportingFlow({
      flow: FLOW,
      telemetry: telemetryTo(r.endpoint),
      // The worker default would allow more attempts: the task's own retry block must win.
      worker: { retry: { max_attempts: 5, initial_backoff: '1ms', max_backoff: '2ms' } },
    });
    expect(result.stats['boom']).to.deep.equal({ processed: 4, failed: 1, emitted: 3 });

    const boom = spansNamed(r.spans(), 'task.handle').filter((s) => taskOf(s) === 'boom');
    expect(boom).to.have.length(4);
    const failed = boom.filter((s) => s.status.code === 2);
    expect(failed, 'exactly one failed task.handle').to.have.length(1);
    const span = failed[0]!;
    expect(span.status.message).to.be.a('string').and.to.contain('boom 2');
    for (const ok of boom.filter((s) => s !== span)) expect(ok.status.code).to.not.equal(2);

    const exceptions = span.events.filter((e) => e.name === 'exception');
    expect(exceptions).to.have.length(1);
    expect(exceptions[0]!.attributes['exception.message'])
      .to.be.a('string')
      .and.to.contain('boom 2');
    expect(exceptions[0]!.attributes['exception.stacktrace']).to.be.a('string');

    const attempts = span.events.filter((e) => e.name === 'attempt.failed');
    expect(attempts, 'one attempt.failed per attempt').to.have.length(2);
    expect(attempts.map((e) => e.attributes['flowgen.attempt'])).to.deep.equal([1, 2]);
    expect(span.attributes['flowgen.attempts']).to.equal(2);

    // The failed event went no further: its trace has no log span.
    const sameTrace = spansNamed(r.spans(), 'task.handle').filter(
      (s) => s.traceId === span.traceId,
    );
    expect(sameTrace.map(taskOf)).to.have.members(['src', 'boom']);

    // ...and it is counted once in task.handle.errors, after its retries.
    const errors = latestPerTask(r.metricPoints(), 'task.handle.errors');
    expect(errors.get('boom')?.value).to.equal(1);
    expect(errors.get('src')?.value).to.equal(0);
    expect(errors.get('out')?.value).to.equal(0);
  });
});

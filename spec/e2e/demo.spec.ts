import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';

const ROOT = join(__dirname, '..', '..');

describe('e2e: the main job (npm start)', () => {
  it('runs the sample flow, exports over gRPC to the local receiver, prints traces and metrics, exits 0', () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'dist', 'samples', 'demo', 'run-demo.js')],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, FLOWGEN_LOG_LEVEL: 'info', FLOWGEN_LOG_FORMAT: 'json' },
      },
    );
    expect(run.status, run.stderr).to.equal(0);
    const out = run.stdout;
    expect(out).to.match(/Started a local OTLP\/gRPC receiver on http:\/\/127\.0\.0\.1:\d+/);
    expect(out).to.contain('service.name="flowgen-demo"');
    for (const name of [
      'task_manager.start',
      'task_manager.register',
      'task.run',
      'task.handle',
      'task_manager.shutdown',
    ]) {
      expect(out).to.contain(name);
    }
    // order 2 retried once, order 4 failed for good: one error in the price task
    expect(out).to.contain('attempt.failed flowgen.attempt=1 flowgen.will_retry=true');
    expect(out).to.contain('ERROR: price service rejected order 4');
    expect(out).to.match(
      /task\.handle\.errors\s+\{invocation\}\s+task=price task_id=2 task_type=price_lookup\s+counter\s+1\b/,
    );
    expect(out).to.match(
      /task\.handle\.count\s+\{invocation\}\s+task=orders task_id=0 task_type=generate\s+counter\s+6\b/,
    );
    // stderr: JSON log lines, the failed event logged with its trace and span ids
    const failed = run.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'event failed after its retries; going on with the next event');
    expect(failed?.['trace_id']).to.match(/^[0-9a-f]{32}$/);
    expect(failed?.['span_id']).to.match(/^[0-9a-f]{16}$/);
    expect(out).to.contain(`trace ${String(failed?.['trace_id'])}`);
  });
});

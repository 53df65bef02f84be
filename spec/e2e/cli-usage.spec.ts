import * as path from 'node:path';
import { expect } from 'chai';
import { FIXTURES_DIR, ProcessPool, REPO_ROOT, TempDir, assertBuilt } from './support/spawn-worker';
import type { WorkerProcess } from './support/spawn-worker';

const fixture = (name: string): string => path.join(FIXTURES_DIR, name);

/** Runs the CLI to its end; commands here never wait on anything. */
async function runCli(
  pool: ProcessPool,
  args: readonly string[],
  options: { command?: string; cwd?: string } = {},
): Promise<{ code: number | null; out: string; err: string; worker: WorkerProcess }> {
  const worker = pool.spawn(args, { ...options, label: `flowgen ${args.join(' ')}` });
  const { code } = await worker.waitForExit(15_000);
  return { code, out: worker.stdout(), err: worker.stderr(), worker };
}

describe('e2e: the flowgen command line (real processes)', () => {
  const pool = new ProcessPool();
  let dir: TempDir;

  before(assertBuilt);

  beforeEach(() => {
    dir = new TempDir('flowgen-e2e-cli-');
  });

  afterEach(async () => {
    await pool.killAll();
    dir.remove();
  });

  it('`flowgen --help` exits 0 and prints usage with the run and collector commands', async () => {
    const { code, out } = await runCli(pool, ['--help']);
    expect(code).to.equal(0);
    expect(out).to.match(/^Usage: flowgen \[options\] \[command\]/);
    expect(out).to.match(/\n {2}run \[options\] <flow> /);
    expect(out).to.match(/\n {2}collector \[options\] /);
  });

  it('`flowgen run --help` exits 0 and prints the flow argument and the --config option', async () => {
    const { code, out } = await runCli(pool, ['run', '--help']);
    expect(code).to.equal(0);
    expect(out).to.match(/^Usage: flowgen run \[options\] <flow>/);
    expect(out).to.contain('-c, --config <file>');
  });

  it('`flowgen run missing.yaml` exits 2 naming the path', async () => {
    const missing = path.join(REPO_ROOT, 'no-such-dir', 'missing.yaml');
    const { code, out, err } = await runCli(pool, ['run', missing]);
    expect(code).to.equal(2);
    expect(out).to.equal('');
    expect(err).to.contain(missing);
    expect(err).to.match(/cannot read the flow file/);
    expect(err, 'one readable message, no stack trace').not.to.match(/\n\s+at /);
  });

  it('a missing --config file exits 2 naming the path', async () => {
    const { code, err } = await runCli(pool, [
      'run',
      fixture('flows/one-event.yaml'),
      '--config',
      'no-such-worker.yaml',
    ]);
    expect(code).to.equal(2);
    expect(err).to.contain('no-such-worker.yaml');
    expect(err).to.contain('does not exist');
  });

  it('a flow with a YAML syntax error exits 2 naming the file and the line', async () => {
    // Written here, not kept under fixtures/: `prettier --check .` would reject the file.
    const file = dir.write(
      'yaml-syntax-error.yaml',
      [
        '# A flow with a YAML syntax error on line 7: that list item is indented one',
        '# column deeper than the one above it.',
        'flow:',
        '  name: broken',
        '  tasks:',
        '    - generate: { name: ticks, count: 1 }',
        '     - log: { name: out }',
        '',
      ].join('\n'),
    );
    const { code, err } = await runCli(pool, ['run', file]);
    expect(code).to.equal(2);
    expect(err).to.contain(file);
    expect(err).to.match(/line 7, column 6: YAML syntax error/);
  });

  it('a worker config with `otlp_endpiont` exits 2 naming the key and suggesting otlp_endpoint', async () => {
    const config = fixture('workers/typo-otlp-endpiont.yaml');
    const { code, out, err } = await runCli(pool, [
      'run',
      fixture('flows/one-event.yaml'),
      '--config',
      config,
    ]);
    expect(code).to.equal(2);
    expect(err).to.contain(config);
    expect(err).to.match(
      /telemetry\.otlp_endpiont \(line 5\): unknown key; did you mean "otlp_endpoint"\?/,
    );
    // Rejected before anything started: the flow's one event was never logged.
    expect(out + err).not.to.contain('"msg":"event"');
  });

  it('an unknown task type exits 2 naming the type and listing the known ones', async () => {
    const file = fixture('flows/unknown-task-type.yaml');
    const { code, err } = await runCli(pool, ['run', file]);
    expect(code).to.equal(2);
    expect(err).to.contain(file);
    expect(err).to.match(/flow\.tasks\[1\] \(line 6\).*unknown task type `frobnicate`/);
    expect(err).to.contain(
      'known types: generate, http_endpoint, http_request, log, nats_publish, nats_subscribe, script',
    );
  });

  it('a task that stops with an error (a script that does not compile) exits 1 naming the task', async () => {
    const file = dir.write(
      'broken-script.yaml',
      [
        'flow:',
        '  name: broken',
        '  tasks:',
        '    - generate: { name: ticks, interval: 1ms, count: 2 }',
        '    - script: { name: bad, code: "event.data = ;" }',
        '    - log: { name: out }',
        '',
      ].join('\n'),
    );
    const { code, err } = await runCli(pool, ['run', file]);
    expect(code).to.equal(1);
    expect(err).to.match(/1 task\(s\) stopped with an error:\n {2}- bad: /);
  });

  it('a valid flow runs to its end and exits 0 (the control case for the exit-2 ones)', async () => {
    const { code, worker } = await runCli(pool, ['run', fixture('flows/one-event.yaml')]);
    expect(code).to.equal(0);
    const finished = worker.logLines().find((l) => l.msg === 'flow finished');
    expect(finished?.stats).to.deep.equal({
      ticks: { processed: 1, failed: 0, emitted: 1 },
      out: { processed: 1, failed: 0, emitted: 1 },
    });
  });

  it('`npx --no-install flowgen --help` runs the package bin from the repo @slow', async function () {
    this.timeout(20_000);
    const { code, out, err } = await runCli(pool, ['--no-install', 'flowgen', '--help'], {
      command: 'npx',
      cwd: REPO_ROOT,
    });
    expect(code, err).to.equal(0);
    expect(out).to.match(/^Usage: flowgen \[options\] \[command\]/);
  });
});

/*
 * Every malformed worker config and flow in the table is rejected before
 * anything starts, with a typed error that names the file, the field path and
 * what is allowed. Flow cases go through runFlow with the test kit and must
 * leave zero spans and zero metric points behind: nothing ran.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../src/config/config-error';
import { loadWorkerConfig, loadWorkerConfigFile } from '../../src/config/worker-config';
import { FlowgenError } from '../../src/errors/flowgen-error';
import { runFlow } from '../../src/run-flow';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { BAD_INPUT_CASES } from './fixtures/bad-input-cases';
import type { BadInputCase } from './fixtures/bad-input-cases';

describe('reliability: bad input is rejected before anything starts', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowgen-bad-input-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('covers at least 25 cases, with unique titles, of both worker configs and flows', () => {
    expect(BAD_INPUT_CASES.length).to.be.at.least(25);
    const titles = BAD_INPUT_CASES.map((c) => c.title);
    expect(new Set(titles).size).to.equal(titles.length);
    expect(BAD_INPUT_CASES.filter((c) => c.target === 'worker').length).to.be.at.least(10);
    expect(BAD_INPUT_CASES.filter((c) => c.target === 'flow').length).to.be.at.least(10);
  });

  it('lists every case in docs/troubleshooting.md', () => {
    const doc = readFileSync(join(__dirname, '../../docs/troubleshooting.md'), 'utf8');
    const missing = BAD_INPUT_CASES.map((c) => c.title).filter((t) => !doc.includes(` ${t} `));
    expect(missing, 'cases missing from the troubleshooting table').to.deep.equal([]);
  });

  /*
   * Each case checks every promise (typed error, file, path, allowed values,
   * line, nothing started) and fails with all the broken ones at once, so a
   * product bug shows its whole shape in one run.
   */
  BAD_INPUT_CASES.forEach((c, index) => {
    it(`${c.target}: ${c.title}`, async () => {
      const file = join(dir, `${c.target}-${index}.yaml`);
      writeFileSync(file, c.yaml);
      const problems: string[] = [];
      const error = c.target === 'worker' ? rejectWorker(file) : await rejectFlow(file, problems);
      softly(problems, () => expectNamed(error, c, file));
      if (problems.length > 0) expect.fail(`${c.title}:\n- ${problems.join('\n- ')}`);
    });
  });
});

/** Runs `check`, adding its assertion message to `problems` instead of throwing. */
function softly(problems: string[], check: () => void): void {
  try {
    check();
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
}

/** Loads a worker config file; returns what it threw. */
function rejectWorker(file: string): unknown {
  try {
    loadWorkerConfigFile(file);
  } catch (error) {
    return error;
  }
  return expect.fail(`${file} was accepted`);
}

/**
 * Runs a flow file through runFlow with the test kit and returns what it
 * threw; adds to `problems` any span or metric point made before the
 * rejection (something started).
 */
async function rejectFlow(file: string, problems: string[]): Promise<unknown> {
  const kit = TestTelemetry.create();
  let thrown: unknown;
  try {
    await runFlow({
      flow: file,
      worker: loadWorkerConfig({ shutdown_timeout: '1s' }),
      container: kit.container,
      telemetry: kit.handle,
    });
  } catch (error) {
    thrown = error;
  }
  try {
    if (thrown === undefined) expect.fail(`${file} was accepted and ran`);
    const spans = kit.spans().map((s) => s.name);
    softly(problems, () => expect(spans, 'spans made before the rejection').to.deep.equal([]));
    const points = (await kit.metricPoints()).filter((p) => p.value > 0).map((p) => p.name);
    softly(problems, () =>
      expect(points, 'metric points recorded before the rejection').to.deep.equal([]),
    );
  } finally {
    await kit.shutdown();
  }
  return thrown;
}

function expectNamed(error: unknown, c: BadInputCase, file: string): void {
  expect(error).to.be.instanceOf(FlowgenError);
  const e = error as FlowgenError;
  const problems: string[] = [];
  softly(problems, () =>
    expect(e.constructor.name, `error class; message: ${e.message}`).to.equal(
      c.error ?? 'ConfigError',
    ),
  );
  softly(problems, () => expect(e.message, 'names the file').to.include(file));
  if (c.path !== '') {
    softly(problems, () => expect(e.message, 'names the field path').to.include(c.path));
  }
  softly(problems, () => expect(e.message, 'says what is allowed').to.match(c.allowed));
  if (problems.length > 0) throw new Error(problems.join('\n'));
  if (!(e instanceof ConfigError)) return;
  const issue = c.path === '' ? e.issues[0] : e.issues.find((i) => i.path === c.path);
  expect(issue, `an issue at ${c.path} in ${e.message}`).to.not.equal(undefined);
  expect(issue?.file).to.equal(file);
  if (c.line !== undefined) expect(issue?.line, e.message).to.equal(c.line);
  if (c.column !== undefined) expect(issue?.column, e.message).to.equal(c.column);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { loadWorkerConfigFile } from '../../src/config/worker-config';
import { parseDuration } from '../../src/config/duration';

const DIR = join(__dirname, '..', '..', 'samples', 'docker');

/*
 * What makes a container worker stop gracefully, checked on the shipped
 * files: the worker gets the signal (no npm in between, an init as PID 1)
 * and the grace period leaves room for shutdown_timeout plus the report.
 */
describe('samples/docker: a worker image that gets its stop signal', () => {
  const dockerfile = readFileSync(join(DIR, 'Dockerfile'), 'utf8');
  const instructions = dockerfile.split('\n').filter((l) => !l.trimStart().startsWith('#'));

  it('starts the bin under tini in exec form, never through npm or npx', () => {
    const entry = instructions.filter((l) => l.startsWith('ENTRYPOINT'));
    expect(entry).to.have.length(1);
    const argv = JSON.parse(entry[0]!.slice('ENTRYPOINT'.length)) as string[];
    expect(argv.slice(0, 2)).to.deep.equal(['/usr/bin/tini', '--']);
    expect(argv.slice(2)).to.deep.equal(['node', '/app/dist/src/cli.js']);
    const stages = instructions.map((l, i) => (l.startsWith('FROM') ? i : -1));
    const runtime = instructions.slice(Math.max(...stages));
    expect(runtime.filter((l) => /\b(npm|npx)\b/.test(l))).to.deep.equal([]);
    expect(instructions).to.include('STOPSIGNAL SIGTERM');
  });

  it('compose: an init, and a grace period above shutdown_timeout + 2 s', () => {
    const compose = parse(readFileSync(join(DIR, 'docker-compose.yml'), 'utf8')) as {
      services: { worker: { init: boolean; stop_grace_period: string; command: string[] } };
    };
    const { worker } = compose.services;
    expect(worker.init).to.equal(true);
    expect(worker.command.slice(0, 1)).to.deep.equal(['run']);
    const config = loadWorkerConfigFile(join(DIR, 'worker.yaml'));
    expect(parseDuration(worker.stop_grace_period)).to.be.at.least(
      config.shutdownTimeoutMs + 2_000,
    );
  });
});

/*
 * A user's own project, as the README tells it: installs the packed package
 * (npm pack) with its peers at other versions than the repository's
 * (tsyringe 4.8, class-validator 0.15), compiles its own @Task type with tsc
 * in CommonJS and in ESM, and runs it from YAML through runFlow and through
 * `flowgen run` (modules: in the worker config), and its kit-based spec.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import type { ConsumerProject } from './support/consumer-project';
import {
  CONSUMER_PEERS,
  consumerCompilerOptions,
  consumerProject,
} from './support/consumer-project';

const FIXTURE = path.join(__dirname, 'consumer');

function copyApp(project: ConsumerProject, name: string, module: 'commonjs' | 'nodenext'): string {
  const app = path.join(project.dir, name);
  fs.cpSync(FIXTURE, app, { recursive: true });
  if (module === 'nodenext')
    fs.writeFileSync(path.join(app, 'package.json'), '{ "type": "module" }\n');
  const tsconfig = { compilerOptions: consumerCompilerOptions(module), include: ['src'] };
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  return app;
}

function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('e2e: a consumer project installs the packed package', function () {
  this.timeout(180_000);
  let project: ConsumerProject;

  before(async function () {
    this.timeout(180_000);
    project = await consumerProject();
  });

  it('installs one copy of each peer, at the consumer versions', () => {
    for (const [name, version] of Object.entries(CONSUMER_PEERS)) {
      const installed = JSON.parse(
        fs.readFileSync(path.join(project.dir, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { version: string };
      expect(installed.version, name).to.equal(version);
      const nested = path.join(project.dir, 'node_modules', 'flowgen-ts', 'node_modules', name);
      expect(fs.existsSync(nested), `a second ${name} under flowgen-ts`).to.equal(false);
    }
  });

  it('ships no internals: only the exports map entries resolve', async () => {
    const probe = await project.node(
      [
        '-e',
        `for (const id of ['flowgen-ts', 'flowgen-ts/testing', 'flowgen-ts/collector', 'flowgen-ts/connectors', 'flowgen-ts/dist/src/runtime/flow-plan'])
           { try { require(id); console.log(id, 'ok'); } catch (e) { console.log(id, e.code); } }`,
      ],
      project.dir,
    );
    expect(probe.stdout.trim().split('\n')).to.deep.equal([
      'flowgen-ts ok',
      'flowgen-ts/testing ok',
      'flowgen-ts/collector ok',
      'flowgen-ts/connectors ok',
      'flowgen-ts/dist/src/runtime/flow-plan ERR_PACKAGE_PATH_NOT_EXPORTED',
    ]);
  });

  for (const [name, module] of [
    ['CommonJS', 'commonjs'],
    ['ESM', 'nodenext'],
  ] as const) {
    describe(name, () => {
      let app: string;
      before(async function () {
        this.timeout(120_000);
        app = copyApp(project, module, module);
        await project.tsc(path.join(app, 'tsconfig.json'));
      });

      it('runs its own @Task type from YAML through runFlow', async () => {
        const { code, stdout, stderr } = await project.node(['dist/main.js'], app);
        expect(code, stderr).to.equal(0);
        const stats = JSON.parse(stdout) as Record<string, { processed: number; emitted: number }>;
        expect(stats['src']).to.include({ emitted: 3 });
        expect(stats['dbl']).to.include({ processed: 3, emitted: 3 });
      });

      it('runs its kit-based spec (node:test)', async () => {
        const { code, stdout, stderr } = await project.node(['--test', 'dist/tasks.test.js'], app);
        expect(code, stdout + stderr).to.equal(0);
        expect(stdout).to.match(/# pass 2\b/);
        expect(stdout).to.match(/# fail 0\b/);
      });

      it('runs its own @Task type through `flowgen run` (modules: in the worker config)', async () => {
        const cli = path.join(project.dir, 'node_modules', 'flowgen-ts', 'dist', 'src', 'cli.js');
        const { code, stderr } = await project.node(
          [cli, 'run', 'flow.yaml', '--config', 'worker.yaml'],
          app,
          { ...process.env, FLOWGEN_LOG_LEVEL: 'info', FLOWGEN_LOG_FORMAT: 'json' },
        );
        expect(code, stderr).to.equal(0);
        const finished = logLines(stderr).find((l) => l['msg'] === 'flow finished');
        expect(finished, stderr).to.not.equal(undefined);
        const stats = finished?.['stats'] as Record<string, { processed: number; emitted: number }>;
        expect(stats['dbl']).to.include({ processed: 3, emitted: 3 });
      });
    });
  }
});

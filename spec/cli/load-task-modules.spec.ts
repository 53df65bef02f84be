import * as path from 'node:path';
import { expect } from 'chai';
import { loadTaskModules } from '../../src/cli/load-task-modules';
import { TaskModuleError } from '../../src/cli/task-module-error';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { getTaskOptions } from '../../src/metadata/task-metadata';
import { TempDir } from '../e2e/support/spawn-worker';

/* The modules below decorate through the toolkit's sources (ts-node is registered in specs). */
const SRC = JSON.stringify(path.resolve(__dirname, '..', '..', 'src'));

const cjsTask = (type: string): string => `
const { Task, Handler } = require(${SRC});
class Helper {}
class Mine { handle(event) { return event; } }
Handler()(Mine.prototype, 'handle', Object.getOwnPropertyDescriptor(Mine.prototype, 'handle'));
Task({ type: '${type}' })(Mine);
module.exports = { Mine, Helper, VERSION: 1 };
`;

async function loadError(run: () => Promise<unknown>): Promise<TaskModuleError> {
  try {
    await run();
  } catch (e) {
    expect(e).to.be.instanceOf(TaskModuleError);
    return e as TaskModuleError;
  }
  throw new Error('expected a TaskModuleError');
}

describe('loadTaskModules (flowgen run: modules: and --require)', () => {
  let dir: TempDir;
  const cwd = process.cwd();
  beforeEach(() => (dir = new TempDir('flowgen-modules-')));
  afterEach(() => {
    process.chdir(cwd);
    dir.remove();
  });

  it('loads modules: relative to the config file and --require relative to the cwd', async () => {
    dir.write('tasks.js', cjsTask('modules_cjs'));
    dir.write('other.js', cjsTask('modules_required'));
    const config = dir.write('worker.yaml', 'modules: [./tasks.js]\n');
    process.chdir(path.dirname(path.dirname(dir.path))); // somewhere else: modules: must not depend on the cwd
    const worker = loadWorkerConfig({ modules: ['./tasks.js'] });
    process.chdir(dir.path);
    const classes = await loadTaskModules({
      configModules: worker.modules,
      configFile: config,
      required: ['./other.js'],
    });
    expect(classes.map((c) => getTaskOptions(c)?.type)).to.deep.equal([
      'modules_cjs',
      'modules_required',
    ]);
    expect(classes.map((c) => c.name)).to.deep.equal(['Mine', 'Mine']);
  });

  it('loads an ES module (.mjs)', async () => {
    dir.write(
      'tasks.mjs',
      `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { Task } = require(${SRC});
export class EsTask { handle(e) { return e; } }
Task({ type: 'modules_esm' })(EsTask);
`,
    );
    const [cls] = await loadTaskModules({ required: [path.join(dir.path, 'tasks.mjs')] });
    expect(cls?.name).to.equal('EsTask');
    expect(getTaskOptions(cls as object)?.type).to.equal('modules_esm');
  });

  it('a module that exports no @Task class is an error naming it and what it exports', async () => {
    dir.write('helpers.js', 'module.exports = { add: (a, b) => a + b, PI: 3.14 };\n');
    const config = dir.write('worker.yaml', '');
    const error = await loadError(() =>
      loadTaskModules({ configModules: ['./helpers.js'], configFile: config }),
    );
    expect(error.code).to.equal('FLOWGEN_TASK_MODULE');
    expect(error.message).to.contain('task module "./helpers.js" (modules:');
    expect(error.message).to.contain(path.join(dir.path, 'helpers.js'));
    expect(error.message).to.contain('exports no @Task class (its exports: add, PI)');
    expect(error.message).to.contain('@Task({ type');
  });

  it('a missing module is an error naming where it was looked for', async () => {
    const error = await loadError(() =>
      loadTaskModules({ configModules: ['./nope.js'], configFile: path.join(dir.path, 'w.yaml') }),
    );
    expect(error.message).to.contain('task module "./nope.js" (modules:) was not found');
    expect(error.message).to.contain(path.join(dir.path, 'nope.js'));
  });

  it('a module that throws while loading is an error with its message', async () => {
    dir.write('broken.js', "throw new Error('db url missing');\n");
    const error = await loadError(() =>
      loadTaskModules({ required: [path.join(dir.path, 'broken.js')] }),
    );
    expect(error.message).to.contain('failed to load');
    expect(error.message).to.contain('db url missing');
  });

  it('TypeScript without a registered loader is an error that says how to compile or load it', async () => {
    dir.write('tasks.ts', 'export class A {}\n');
    const extensions = require.extensions as Record<string, unknown>;
    const saved = extensions['.ts'];
    delete extensions['.ts'];
    try {
      const error = await loadError(() =>
        loadTaskModules({ required: [path.join(dir.path, 'tasks.ts')] }),
      );
      expect(error.message).to.contain('is TypeScript');
      expect(error.message).to.contain('no TypeScript loader is registered');
      expect(error.message).to.contain('-r ts-node/register');
    } finally {
      extensions['.ts'] = saved;
    }
  });

  it('the worker config rejects modules: that is not a list of paths', () => {
    expect(() => loadWorkerConfig({ modules: './tasks.js' })).to.throw(
      /modules.*list of module paths/,
    );
    expect(() => loadWorkerConfig({ modules: [''] })).to.throw(/modules.*not empty/);
  });
});

import { expect } from 'chai';
import { runInThisContext } from 'node:vm';
import ts from 'typescript';
import * as flowgen from '../../src';
import { DecoratorError } from '../../src/decorators/decorator-error';

/*
 * Compiles a snippet as a consumer project would (without
 * "experimentalDecorators", TypeScript 5 emits TC39 standard decorators) and
 * runs it against the toolkit's sources.
 */
function compileAndRun(source: string, experimentalDecorators = false): Record<string, unknown> {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      experimentalDecorators,
    },
  });
  const module = { exports: {} as Record<string, unknown> };
  const load = (id: string): unknown => {
    if (id === 'flowgen-ts') return flowgen;
    throw new Error(`unexpected import ${id}`);
  };
  const wrapper = runInThisContext(`(function (require, module, exports) {${outputText}\n})`) as (
    load: (id: string) => unknown,
    module: { exports: Record<string, unknown> },
    exports: Record<string, unknown>,
  ) => void;
  wrapper(load, module, module.exports);
  return module.exports;
}

const runStandard = (source: string): Record<string, unknown> => compileAndRun(source);

function expectFlagsError(run: () => unknown, decorator: string): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).to.be.instanceOf(DecoratorError);
  const message = (error as DecoratorError).message;
  expect(message).to.contain(`${decorator} on `);
  expect(message).to.contain('TC39 standard decorator');
  expect(message).to.contain('"experimentalDecorators": true');
  expect(message).to.contain('"emitDecoratorMetadata": true');
  expect((error as DecoratorError).code).to.equal('FLOWGEN_DECORATOR_MISUSE');
}

describe('standard (TC39) decorators', () => {
  it('@Handler() fails at decoration time naming the method and the tsconfig flags', () => {
    expectFlagsError(
      () =>
        runStandard(`
          import { Handler } from 'flowgen-ts';
          export class Plain { @Handler() handle(event: unknown) { return event; } }
        `),
      '@Handler()',
    );
  });

  it('@Task() fails instead of accepting the class silently', () => {
    expectFlagsError(
      () =>
        runStandard(`
          import { Task } from 'flowgen-ts';
          @Task({ type: 'standard_task' }) export class StandardTask {}
        `),
      '@Task()',
    );
  });

  it('@TaskManager() fails instead of accepting the class silently', () => {
    expectFlagsError(
      () =>
        runStandard(`
          import { TaskManager } from 'flowgen-ts';
          @TaskManager() export class StandardWorker { async start() {} }
        `),
      '@TaskManager()',
    );
  });

  it('legacy decorators compiled with experimentalDecorators still work', () => {
    const exported = compileAndRun(
      `import { Task, Handler } from 'flowgen-ts';
       @Task({ type: 'legacy_task' }) export class LegacyTask { @Handler() handle(n: number) { return n + 1; } }`,
      true,
    );
    const Cls = exported.LegacyTask as new () => { handle(n: number): number };
    expect(Cls).to.be.a('function');
    expect(new Cls().handle(1)).to.equal(2);
  });
});

import { expect } from 'chai';
import { container, inject, injectable } from 'tsyringe';
import { DecoratorError } from '../../src/decorators/decorator-error';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import { getHandlerName, getHandlerNames, getTaskOptions } from '../../src/metadata/task-metadata';
import { instrumentClass } from '../../src/telemetry/instrument-class';
import { bindTask, taskIdentityOf } from '../../src/telemetry/task-binding';
import { TaskIdentityError } from '../../src/telemetry/task-identity-error';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { isWrapped, originalOf } from '../../src/telemetry/wrap-method';

const GUARD_KEY = 'guard:roles';
const Roles =
  (...roles: string[]): MethodDecorator =>
  (_target, _key, descriptor) => {
    Reflect.defineMetadata(GUARD_KEY, roles, descriptor.value as object);
    return descriptor;
  };

@injectable()
class Clock {
  now(): number {
    return 42;
  }
}

@Task({ type: 'identity' })
class IdentityTask {
  constructor(@inject(Clock) public readonly clock: Clock) {}

  @Handler()
  @Roles('admin')
  handle(a: number, b: number, c: number): number {
    return this.clock.now() + a + b + c;
  }
}

@Task({ type: 'twice' })
class TwiceTask {
  @Handler()
  @Handler()
  twice(): string {
    return 'once';
  }
}

describe('decorated classes and methods keep their identity', () => {
  let kit: TestTelemetry;
  beforeEach(() => {
    kit = TestTelemetry.create();
  });
  afterEach(() => kit.shutdown());

  it('keeps the class name, injectability and constructor injection', () => {
    const task = kit.container.resolve(IdentityTask);
    expect(IdentityTask.name).to.equal('IdentityTask');
    expect(task).to.be.instanceOf(IdentityTask);
    expect(task.clock.now()).to.equal(42);
    expect(getTaskOptions(IdentityTask)).to.deep.equal({ type: 'identity' });
  });

  it("keeps the method's name, length, this and reflect-metadata keys", () => {
    const method = IdentityTask.prototype.handle;
    expect(method.name).to.equal('handle');
    expect(method.length).to.equal(3);
    expect(Reflect.getMetadata(GUARD_KEY, method)).to.deep.equal(['admin']);
    const task = kit.container.resolve(IdentityTask);
    expect(task.handle(1, 2, 3)).to.equal(48);
    // design-time metadata TypeScript emits on the prototype is untouched
    expect(
      Reflect.getMetadata('design:paramtypes', IdentityTask.prototype, 'handle'),
    ).to.deep.equal([Number, Number, Number]);
  });

  it('never wraps twice: a method decorated twice, a class instrumented twice, one span per call', () => {
    instrumentClass(TwiceTask);
    const task = bindTask(kit.container.resolve(TwiceTask), { name: 'x', id: 0 });
    expect(task.twice()).to.equal('once');
    expect(kit.spans('task.handle')).to.have.length(1);
    expect(isWrapped(TwiceTask.prototype.twice)).to.equal(true);
    expect(isWrapped(originalOf(TwiceTask.prototype.twice))).to.equal(false);
    expect(getHandlerNames(TwiceTask)).to.deep.equal(['twice']);
  });

  it('records only: the decorator leaves the method as written until telemetry instruments the class', () => {
    class Plain {
      @Handler()
      handle(): number {
        return 1;
      }
    }
    expect(isWrapped(Plain.prototype.handle)).to.equal(false);
    expect(getHandlerName(Plain)).to.equal('handle');
  });

  it('rejects a second @Handler method, naming both and what to do', () => {
    let caught: unknown;
    try {
      @Task({ type: 'two_handlers' })
      class TwoHandlers {
        @Handler()
        first(): void {}

        @Handler()
        second(): void {}
      }
      void TwoHandlers;
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(DecoratorError);
    expect((caught as DecoratorError).code).to.equal('FLOWGEN_DECORATOR_MISUSE');
    expect((caught as Error).message).to.equal(
      '@Handler() on TwoHandlers.second: TwoHandlers.first is its handler already, and a task has exactly one. ' +
        'Keep @Handler() on one method and call the other from it.',
    );
  });

  it('rejects a subclass @Handler under another name than the inherited one; an override is fine', () => {
    class Base {
      @Handler()
      handle(): string {
        return 'base';
      }
    }
    @Task({ type: 'override' })
    class Override extends Base {
      @Handler()
      override handle(): string {
        return 'override';
      }
    }
    expect(kit.container.resolve(Override).handle()).to.equal('override');
    expect(kit.spans('task.handle')).to.have.length(1);
    expect(() => {
      class Other extends Base {
        @Handler()
        other(): void {}
      }
      return Other;
    }).to.throw(DecoratorError, /Other.handle is its handler already/);
  });

  it('binds identity per instance: one class twice in a flow under two names', () => {
    const a = bindTask(kit.container.resolve(IdentityTask), { name: 'first', id: 0 });
    const b = bindTask(kit.container.resolve(IdentityTask), { name: 'second', id: 3 });
    a.handle(0, 0, 0);
    b.handle(0, 0, 0);
    expect(
      kit.spans('task.handle').map((s) => [s.attributes.task, s.attributes.task_id]),
    ).to.deep.equal([
      ['first', 0],
      ['second', 3],
    ]);
  });

  it('gives an unbound task name = type and no task_id (never the id of a real task 0)', () => {
    kit.container.resolve(IdentityTask).handle(0, 0, 0);
    expect(kit.span('task.handle').attributes).to.deep.equal({
      task: 'identity',
      task_type: 'identity',
      'flowgen.attempts': 1,
    });
  });

  it('bindTask refuses a name or id that a flow would reject', () => {
    const task = kit.container.resolve(IdentityTask);
    expect(() => bindTask(task, { name: 'Bad Name', id: 0 }))
      .to.throw(TaskIdentityError, 'name "Bad Name" is not a task name')
      .with.property('code', 'FLOWGEN_TASK_IDENTITY_INVALID');
    expect(() => bindTask(task, { name: 'ok', id: -1 })).to.throw(TaskIdentityError, 'id -1');
    expect(() => bindTask(task, { name: 'ok', id: 1.5 })).to.throw(TaskIdentityError, 'id 1.5');
    expect(taskIdentityOf(task)).to.equal(undefined);
  });

  it('traces instances resolved from a child container made after registration', () => {
    const child = kit.container.createChildContainer();
    child.resolve(IdentityTask).handle(0, 0, 0);
    expect(kit.spans('task.handle')).to.have.length(1);
  });

  it('does not trace in a container without telemetry, even for the same class', () => {
    container.createChildContainer().resolve(IdentityTask).handle(0, 0, 0);
    expect(kit.spans()).to.have.length(0);
  });

  it('works on frozen instances and when called unbound (no telemetry for an unbound call)', () => {
    const frozen = Object.freeze(kit.container.resolve(IdentityTask));
    expect(frozen.handle(1, 1, 1)).to.equal(45);
    expect(kit.spans('task.handle')).to.have.length(1);
    const unbound = TwiceTask.prototype.twice;
    expect(unbound.call(undefined)).to.equal('once');
    expect(kit.spans('task.handle')).to.have.length(1);
    expect(Object.getOwnPropertySymbols(frozen)).to.deep.equal([]);
  });

  it('rejects misuse with an error that says what to do', () => {
    expect(() => Task({ type: 'Bad Type' })).to.throw(DecoratorError, /snake_case/);
    expect(() => {
      class NotAMethod {
        @(Handler() as PropertyDecorator)
        value = 1;
      }
      return NotAMethod;
    }).to.throw(/only decorate a method/);
  });
});

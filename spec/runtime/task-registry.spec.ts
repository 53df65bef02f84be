import { expect } from 'chai';
import { container as rootContainer } from 'tsyringe';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import { BUILTIN_TASKS } from '../../src/connectors/builtin-tasks';
import type { FlowEvent } from '../../src/runtime/event';
import { parseFlow } from '../../src/runtime/flow-loader';
import { registerTaskClasses, taskTypesOf } from '../../src/runtime/task-registry';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';

@Task({ type: 'registry_double' })
class DoubleTask {
  @Handler()
  handle(event: FlowEvent<{ n: number }>): number {
    return event.data.n * 2;
  }
}

@Task({ type: 'registry_child' })
class ChildTask {
  @Handler()
  handle(event: FlowEvent): FlowEvent {
    return event;
  }
}

const FLOW = parseFlow(`
flow:
  name: registry
  tasks:
    - generate: { name: src, interval: 1ms, count: 3 }
    - registry_double: { name: double }
`);

describe('registerTaskClasses', () => {
  it('classes registered on an ancestor stay visible after a child registers its own', () => {
    const parent = rootContainer.createChildContainer();
    registerTaskClasses(parent, [DoubleTask]);
    const child = parent.createChildContainer();
    registerTaskClasses(child, [...BUILTIN_TASKS, ChildTask]);
    const types = taskTypesOf(child);
    expect(types.get('registry_double')?.cls).to.equal(DoubleTask);
    expect(types.get('registry_child')?.cls).to.equal(ChildTask);
    expect(types.get('generate')).to.not.equal(undefined);
    // the parent is not changed by its child
    expect([...taskTypesOf(parent).keys()]).to.deep.equal(['registry_double']);
  });

  it('registering the same class twice keeps one entry', () => {
    const scope = rootContainer.createChildContainer();
    registerTaskClasses(scope, [DoubleTask]);
    registerTaskClasses(scope, [DoubleTask]);
    expect(scope.resolveAll(Symbol.for('flowgen.TaskClasses'))).to.have.length(1);
  });

  it('runFlow on a child of the container the user registered on runs the users type', async () => {
    const parent = rootContainer.createChildContainer();
    registerTaskClasses(parent, [DoubleTask]);
    const kit = TestTelemetry.create({ parent });
    try {
      // the kit's container is a child of `parent`; runFlow registers the built-ins there
      const result = await kit.runFlow({ flow: FLOW });
      expect(result.stats['double']).to.include({ emitted: 3 });
      const doubled = kit.spans('task.handle').filter((s) => s.attributes['task'] === 'double');
      expect(doubled).to.have.length(3);
    } finally {
      await kit.shutdown();
    }
  });

  it('refuses a class that is not a @Task, naming it', () => {
    class Plain {}
    expect(() => registerTaskClasses(rootContainer.createChildContainer(), [Plain])).to.throw(
      'Plain is not a task',
    );
  });
});

/*
 * Plugging one's own worker into runFlow: a subclass of FlowWorker registered
 * for the FlowWorker token in the run's container (docs/tasks.md shows it).
 */
import { expect } from 'chai';
import { injectable } from 'tsyringe';
import { FlowWorker } from '../../src/runtime/flow-worker';
import { parseFlow } from '../../src/runtime/flow-loader';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';

const calls: string[] = [];

@injectable()
class AuditedWorker extends FlowWorker {
  override async shutdown(): Promise<void> {
    calls.push('shutdown');
    await super.shutdown();
  }
}

describe('a worker of ones own in runFlow', () => {
  it('runs the flow through the subclass, with the task_manager.* spans of FlowWorker', async () => {
    const kit = TestTelemetry.create();
    try {
      kit.container.register(FlowWorker, { useClass: AuditedWorker });
      await kit.runFlow({
        flow: parseFlow(
          'flow:\n  name: own\n  tasks:\n    - generate: { name: src, interval: 1ms, count: 2 }\n    - log: { name: out }\n',
        ),
      });
      expect(calls).to.deep.equal(['shutdown']);
      expect(kit.spans('task_manager.start')).to.have.length(1);
      expect(kit.spans('task_manager.register').map((s) => s.attributes['task'])).to.deep.equal([
        'src',
        'out',
      ]);
      expect(kit.spans('task_manager.shutdown')).to.have.length(1);
      expect(kit.spans('task.handle')).to.have.length(4);
    } finally {
      await kit.shutdown();
    }
  });
});

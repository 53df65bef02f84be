import { expect } from 'chai';
import { BUILTIN_TASKS } from '../../src/connectors/builtin-tasks';
import { getHandlerNames, getTaskOptions } from '../../src/metadata/task-metadata';

describe('connectors: BUILTIN_TASKS', () => {
  it('lists the seven built-in task types, each with a config class and one handler', () => {
    const types = BUILTIN_TASKS.map((cls) => getTaskOptions(cls));
    expect(types.map((t) => t?.type)).to.deep.equal([
      'generate',
      'script',
      'log',
      'http_request',
      'http_endpoint',
      'nats_publish',
      'nats_subscribe',
    ]);
    expect(types.filter((t) => t?.source === true).map((t) => t?.type)).to.deep.equal([
      'generate',
      'http_endpoint',
      'nats_subscribe',
    ]);
    for (const cls of BUILTIN_TASKS) {
      expect(getTaskOptions(cls)?.config, cls.name).to.be.a('function');
      expect(getHandlerNames(cls), cls.name).to.have.length(1);
    }
    expect(Object.isFrozen(BUILTIN_TASKS)).to.equal(true);
  });
});

// The consumer's own kit-based spec (node:test), run against the installed package.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlowEvent } from 'flowgen-ts';
import { SpanStatusCode, TestTelemetry } from 'flowgen-ts/testing';
import type { ReadableSpan } from 'flowgen-ts/testing';
import { DoubleTask } from './tasks.js';
import type { DoubleConfig } from './tasks.js';

test('DoubleTask: one task.handle span with its attributes, its config from the kit', async () => {
  const kit = TestTelemetry.create();
  try {
    const { task, ctx } = kit.task<DoubleTask, DoubleConfig>(DoubleTask, {
      name: 'dbl',
      id: 1,
      config: { factor: 3 },
    });
    assert.deepEqual(task.handle(FlowEvent.create({ n: 2 }), ctx), { n: 2, doubled: 6 });
    const span: ReadableSpan = kit.span('task.handle');
    assert.deepEqual(span.attributes, {
      task: 'dbl',
      task_id: 1,
      task_type: 'double',
      'double.factor': 3,
      'flowgen.attempts': 1,
    });
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(await kit.metricValue('task.handle.count', { task: 'dbl' }), 1);
  } finally {
    await kit.shutdown();
  }
});

test('DoubleTask in a flow through the kit: each span a child of the source', async () => {
  const kit = TestTelemetry.create();
  try {
    const result = await kit.runFlow({ flow: 'flow.yaml', taskClasses: [DoubleTask] });
    assert.equal(result.stats['dbl']?.emitted, 3);
    const spans = kit.spans('task.handle').filter((s) => s.attributes['task'] === 'dbl');
    assert.equal(spans.length, 3);
    for (const span of spans) assert.equal(kit.parentOf(span)?.attributes['task'], 'src');
  } finally {
    await kit.shutdown();
  }
});

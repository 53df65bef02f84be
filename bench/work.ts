/** The same tiny computation every handler variant does. */
export function compute(x: number): number {
  return (x * 31 + 7) % 1009;
}

/** The span name, attributes and metric names all variants share. */
export const SPAN_NAME = 'task.handle';
/** `task`, `task_id`, `task_type` as the toolkit sets them for a task bound as `work`, id 1. */
export const WORK_ATTRIBUTES = Object.freeze({ task: 'work', task_id: 1, task_type: 'bench_work' });

/** One way of running the handler: async, sync and async-generator (3 yields) shapes. */
export interface WorkVariant {
  /** Async handler: returns a Promise of the result. */
  work(x: number): Promise<number>;
  /** Sync handler. */
  workSync(x: number): number;
  /** Async generator handler: yields three results. */
  workGen(x: number): AsyncIterable<number>;
}

/** The floor: the same methods with no telemetry at all. */
export class BareWork implements WorkVariant {
  async work(x: number): Promise<number> {
    return compute(x);
  }

  workSync(x: number): number {
    return compute(x);
  }

  async *workGen(x: number): AsyncGenerator<number> {
    yield compute(x);
    yield compute(x + 1);
    yield compute(x + 2);
  }
}

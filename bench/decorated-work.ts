import type { DependencyContainer } from 'tsyringe';
import { Handler, Task, bindTask } from '../src';
import type { WorkVariant } from './work';
import { BareWork, compute } from './work';

/*
 * The toolkit's way: `@Task` classes whose handler is a `@Handler` method. A
 * task has one handler, so each shape is its own class; the other two
 * methods of `WorkVariant` are plain (never measured on that class).
 */

@Task({ type: 'bench_work' })
class DecoratedAsyncWork extends BareWork {
  @Handler()
  override async work(x: number): Promise<number> {
    return compute(x);
  }
}

@Task({ type: 'bench_work' })
class DecoratedSyncWork extends BareWork {
  @Handler()
  override workSync(x: number): number {
    return compute(x);
  }
}

@Task({ type: 'bench_work' })
class DecoratedGenWork extends BareWork {
  @Handler()
  override async *workGen(x: number): AsyncGenerator<number> {
    yield compute(x);
    yield compute(x + 1);
    yield compute(x + 2);
  }
}

/** The decorated variant of each shape, resolved from `container` and bound as task `work`, id 1. */
export function decoratedWork(container: DependencyContainer): {
  readonly async: WorkVariant;
  readonly sync: WorkVariant;
  readonly asyncGenerator: WorkVariant;
} {
  const bound = (cls: new () => WorkVariant): WorkVariant =>
    bindTask(container.resolve(cls), { name: 'work', id: 1 });
  return {
    async: bound(DecoratedAsyncWork),
    sync: bound(DecoratedSyncWork),
    asyncGenerator: bound(DecoratedGenWork),
  };
}

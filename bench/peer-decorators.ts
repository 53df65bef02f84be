import type { WorkVariant } from './work';
import { compute } from './work';

type MethodDecoratorLike = (
  target: object,
  key: string,
  descriptor: PropertyDescriptor,
) => PropertyDescriptor | void;

/** A peer library's decorator, or why it is skipped. */
export type PeerLoad =
  | { readonly ok: true; readonly name: string; readonly make: () => WorkVariant }
  | { readonly ok: false; readonly name: string; readonly reason: string };

interface PeerSpec {
  /** Shown in the table. */
  readonly name: string;
  /** Module ids to try in order (a deep import first where it avoids loading a framework). */
  readonly modules: readonly string[];
  /** The decorator factory's export name. */
  readonly exportName: string;
  /** Calls the factory. */
  readonly decorator: (factory: (...args: unknown[]) => unknown) => MethodDecoratorLike;
  /** Why it is skipped when none of `modules` loads (otherwise the load error). */
  readonly missing?: string;
}

/*
 * Both peers trace through the global API (`trace.getTracer('default')` and
 * the global context manager), so the bench child registers the same tracer
 * provider globally before using them. Neither records metrics.
 */
const PEERS: readonly PeerSpec[] = [
  {
    name: 'nestjs-otel @Span',
    modules: ['nestjs-otel/lib/tracing/decorators/span', 'nestjs-otel'],
    exportName: 'Span',
    decorator: (factory) => factory('task.handle') as MethodDecoratorLike,
    missing:
      'not a dev dependency: nestjs-otel 8.x needs Node >= 22, and 7.0.1 (the last on Node 20) needs @nestjs/common and @nestjs/core 11 as peers, a whole framework for one decorator; install nestjs-otel@7.0.1 @nestjs/common@11 @nestjs/core@11 rxjs@7 to include it',
  },
  {
    name: '@fullstackhouse @Traced',
    modules: ['@fullstackhouse/opentelemetry-js-decorator'],
    exportName: 'Traced',
    decorator: (factory) => factory('task.handle') as MethodDecoratorLike,
  },
];

/** Loads the peer decorators that are installed; the others say why they are skipped. */
export function loadPeers(): PeerLoad[] {
  return PEERS.map((spec) => loadPeer(spec));
}

function loadPeer(spec: PeerSpec): PeerLoad {
  let lastError = spec.missing ?? 'not installed';
  for (const id of spec.modules) {
    let mod: Record<string, unknown>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(id) as Record<string, unknown>;
    } catch (error) {
      if (spec.missing !== undefined) continue;
      lastError = `cannot load ${id}: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`;
      continue;
    }
    const factory = mod[spec.exportName];
    if (typeof factory !== 'function') {
      lastError = `${id} has no ${spec.exportName} export`;
      continue;
    }
    const decorate = spec.decorator(factory as (...args: unknown[]) => unknown);
    return { ok: true, name: spec.name, make: () => decoratedWork(decorate) };
  }
  return { ok: false, name: spec.name, reason: lastError };
}

/** A class with the three work methods, each decorated the way TypeScript would. */
function decoratedWork(decorate: MethodDecoratorLike): WorkVariant {
  class PeerWork {
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
  for (const key of ['work', 'workSync', 'workGen']) {
    const descriptor = Object.getOwnPropertyDescriptor(PeerWork.prototype, key)!;
    const result = decorate(PeerWork.prototype, key, descriptor) ?? descriptor;
    Object.defineProperty(PeerWork.prototype, key, result);
  }
  return new PeerWork();
}

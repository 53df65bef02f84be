import { DecoratorError } from './decorator-error';

/**
 * Fails at decoration time when a flowgen decorator is applied as a TC39
 * standard decorator, which TypeScript 5 emits whenever `experimentalDecorators`
 * is off. Standard decorators pass a context object (`{ kind, name, ... }`) as
 * their second argument, where legacy ones pass a property key or nothing;
 * they also carry no `design:paramtypes` metadata, so tsyringe could not build
 * a task's constructor arguments. Without this check the failure would show
 * later and far from its cause.
 *
 * @param decorator How the decorator is written, e.g. `@Task()`.
 * @param second The decorator's second argument, as it was called.
 * @throws DecoratorError naming the two tsconfig flags to set.
 */
export function rejectStandardDecorator(decorator: string, second: unknown): void {
  if (!isDecoratorContext(second)) return;
  const where = typeof second.name === 'string' ? ` on ${second.kind} "${second.name}"` : '';
  throw new DecoratorError(
    `${decorator}${where} was applied as a TC39 standard decorator: this code was compiled without ` +
      '"experimentalDecorators". flowgen-ts (like tsyringe) needs legacy decorators with type metadata: ' +
      'set "experimentalDecorators": true and "emitDecoratorMetadata": true under compilerOptions in ' +
      'tsconfig.json, and compile with tsc, ts-node or SWC (tsx and esbuild emit no decorator metadata).',
  );
}

interface DecoratorContextLike {
  readonly kind: string;
  readonly name?: unknown;
}

function isDecoratorContext(value: unknown): value is DecoratorContextLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string'
  );
}

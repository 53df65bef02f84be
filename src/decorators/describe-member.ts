/** `Owner.member` for error messages, from a decorator's target (a class or its prototype). */
export function describeMember(target: object, key: string | symbol): string {
  const owner = typeof target === 'function' ? target.name : target.constructor.name;
  return `${owner}.${String(key)}`;
}

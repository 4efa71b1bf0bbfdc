// Shim of the k6 module: checks pass through their predicates; sleep does nothing.
export function check<T>(value: T, sets: Record<string, (v: T) => boolean>): boolean {
  return Object.values(sets).every((f) => f(value));
}
export function sleep(_seconds: number): void {}

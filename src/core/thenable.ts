// Promise-like detection, shared by the cache (factories) and the entries (app results).

/** True for anything with a `then` method (Promises/A+ thenables, not only native Promises). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function'
}

// A minimal typed event emitter, so the cache imports no node:* module (it runs on Bun,
// Deno and workerd unchanged). Semantics follow node:events where the cache relies on them:
// listeners run synchronously in the order they were added, the same listener added twice
// runs twice, `off` removes its most recent registration, a throwing listener propagates
// out of `emit` (the listeners after it do not run), and listeners added or removed during
// an `emit` take effect from the next one.

type Listener<A extends unknown[]> = (...args: A) => void

export class Emitter<E extends { [K in keyof E]: unknown[] }> {
  // Copy on write: `emit` walks the array it started with and never allocates.
  #listeners: { [K in keyof E]?: Listener<E[K]>[] } = {}

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.#listeners[event]
    this.#listeners[event] = list === undefined ? [listener] : [...list, listener]
    return this
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.#listeners[event]
    const at = list === undefined ? -1 : list.lastIndexOf(listener)
    if (list !== undefined && at >= 0) {
      this.#listeners[event] =
        list.length === 1 ? undefined : [...list.slice(0, at), ...list.slice(at + 1)]
    }
    return this
  }

  /** True if a listener ran. */
  emit<K extends keyof E>(event: K, ...args: E[K]): boolean {
    const list = this.#listeners[event]
    if (list === undefined) return false
    for (let i = 0; i < list.length; i++) (list[i] as Listener<E[K]>)(...args)
    return true
  }

  listenerCount(event: keyof E): number {
    return this.#listeners[event]?.length ?? 0
  }
}

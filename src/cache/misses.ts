// Remembered misses (the factory gave null): a list and a bound of their own, so that
// remembering one never evicts a live instance. Oldest first out, and first to expire.
import { Entry, Lru, NEGATIVE } from './entry.ts'

export class Misses<T> {
  readonly #map: Map<string, Entry<T>>
  readonly #max: number
  readonly #ttl: number
  /** Newest first: the oldest (first to expire) is the tail. */
  readonly #list = new Lru<T>(() => {})
  count = 0

  /** `map` is the cache's map of records by key, which misses share with live records. */
  constructor(map: Map<string, Entry<T>>, max: number, ttl: number) {
    this.#map = map
    this.#max = max
    this.#ttl = ttl
  }

  /** Still remembered at `t`. */
  fresh(entry: Entry<T>, t: number): boolean {
    return t - entry.created < this.#ttl
  }

  remember(key: string): void {
    if (this.#ttl <= 0 || this.#max <= 0) return
    const entry = new Entry(key, undefined as T, NEGATIVE, this.#list)
    this.#map.set(key, entry)
    this.#list.push(entry)
    this.count++
    while (this.count > this.#max) this.forget(this.#list.tail as Entry<T>)
  }

  forget(entry: Entry<T>): void {
    this.#map.delete(entry.key)
    this.#list.remove(entry)
    this.count--
  }

  /** Forgets up to `budget` expired misses, oldest first. */
  expire(t: number, budget: number): void {
    for (let n = 0; n < budget; n++) {
      const oldest = this.#list.tail
      if (oldest === undefined || this.fresh(oldest, t)) return
      this.forget(oldest)
    }
  }

  clear(): void {
    while (this.#list.tail !== undefined) this.forget(this.#list.tail)
  }
}

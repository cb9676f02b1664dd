// Idle expiry: walks from the least recently acquired record and evicts the idle ones. An
// acquire calls it with a small budget (timers may not fire between requests, as on
// workerd); where timers fire, one timer also sweeps, due when the oldest record turns idle.
import { MAX_DURATION } from '../parse/duration.ts'
import { exactNow } from './clock.ts'
import type { Entry, Lru } from './entry.ts'

export class IdleExpiry<T> {
  readonly #idle: number
  readonly #lru: Lru<T>
  readonly #evict: (entry: Entry<T>) => void
  #timer: ReturnType<typeof setTimeout> | undefined = undefined

  constructor(idle: number, lru: Lru<T>, evict: (entry: Entry<T>) => void) {
    // Times are whole milliseconds, each up to 1 ms before the moment it stands for: one
    // more, and expiry never comes early.
    this.#idle = idle + 1
    this.#lru = lru
    this.#evict = evict
  }

  /**
   * Evicts idle records from the least recently acquired one, stopping at the first fresh
   * one or after `budget` records. Records in flight, or released recently (release does
   * not reorder), are in use: moved to the front, each is visited at most once per walk,
   * so a walk costs what it evicts.
   */
  reap(t: number, budget: number): void {
    const idle = this.#idle
    let oldest = this.#lru.tail
    while (oldest !== undefined && budget-- > 0 && t - oldest.acquired >= idle) {
      if (oldest.inFlight > 0 || t - oldest.lastUse < idle) {
        oldest.acquired = t
        this.#lru.toFront(oldest)
      } else this.#evict(oldest)
      oldest = this.#lru.tail
    }
  }

  /**
   * A hit: timers may not fire (workerd between requests), so expiry also happens on
   * access. True with the lease counted; false if the record was idle too long and is now
   * evicted: the caller creates anew.
   */
  touch(entry: Entry<T>, budget: number): boolean {
    const t = exactNow()
    if (t - entry.lastUse >= this.#idle && entry.inFlight === 0) {
      this.#evict(entry)
      return false
    }
    entry.lastUse = entry.acquired = t
    this.#lru.toFront(entry)
    // Before the lease is counted, so a throwing 'evict' listener cannot leak it.
    if (t - (this.#lru.tail as Entry<T>).acquired >= this.#idle) this.reap(t, budget)
    entry.inFlight++
    entry.requests++
    return true
  }

  /** Starts the sweep timer unless it runs. */
  arm(): void {
    if (this.#timer === undefined) this.#schedule(this.#idle)
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  // Due when the oldest record turns idle, plus slack to batch neighbours.
  #schedule(delay: number): void {
    const timer = setTimeout(
      this.#sweep,
      Math.min(delay + Math.min(this.#idle / 8, 1000), MAX_DURATION),
    )
    ;(timer as { unref?: () => void }).unref?.()
    this.#timer = timer
  }

  readonly #sweep = (): void => {
    this.#timer = undefined
    const t = exactNow()
    this.reap(t, Number.POSITIVE_INFINITY)
    const oldest = this.#lru.tail
    if (oldest !== undefined) this.#schedule(oldest.acquired + this.#idle - t)
  }
}

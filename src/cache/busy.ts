// What the instance cache reports: events, the counts its bounds are about, and the error
// of a creation refused by a bound.
//
// Bounds, under any sequence of requests (`stats()` reports the four counts):
//   live       <= max          instances in the cache; misses never evict one
//   misses     <= maxMisses    remembered negative results (own FIFO list, default max)
//   creating   <= maxCreating  factory calls in progress (default 100)
//   live + draining + creating <= max + maxCreating
// where draining = evicted while in flight, not yet disposed. Only a creation adds an
// instance, so the last bound is enforced when one starts: if starting it would exceed the
// bound, an idle instance near the LRU tail is evicted to make room, and if there is none
// (everything near the tail is busy) `acquire` throws CacheBusyError and starts nothing.
// In words: the cache never holds more than max + maxCreating instances at once; the
// surplus over max are busy instances finishing their requests. Why not 2 × max: with a
// small max, a burst of up to maxCreating new keys (each evicting a busy predecessor) is
// still served. A creation that timed out stops counting at its timeout (its instance, if
// it ever comes, is disposed on arrival); an instance whose async dispose is still running
// is no longer counted. CacheBusyError.retryAfter is 1 (second).
import type { EvictReason } from './options.ts'

/** Listener arguments; with no 'error' listener, failures go to console.error instead. */
export interface CacheEvents<T> {
  create: [key: string, instance: T]
  evict: [key: string, instance: T, reason: EvictReason]
  error: [error: unknown, key: string, phase: 'create' | 'dispose']
}

export interface CacheStats {
  /** Instances in the cache (<= max). */
  live: number
  /** Evicted instances waiting for their in-flight leases before dispose. */
  draining: number
  /** Factory calls in progress (<= maxCreating). */
  creating: number
  /** Remembered negative results (<= maxMisses). */
  misses: number
}

/**
 * Thrown synchronously by `acquire` when a new creation would exceed `maxCreating`
 * (reason 'creating') or the bound on live + draining instances (reason 'draining').
 * Nothing was started; `retryAfter` is a hint in whole seconds (HTTP: 503 + Retry-After).
 */
export class CacheBusyError extends Error {
  override name = 'CacheBusyError'
  readonly retryAfter: number
  readonly reason: 'creating' | 'draining'

  constructor(message: string, reason: 'creating' | 'draining', retryAfter = 1) {
    super(message)
    this.reason = reason
    this.retryAfter = retryAfter
  }
}

export interface BusyCounts {
  name: string
  max: number
  maxCreating: number
  live: number
  draining: number
  creating: number
}

/** The error for a creation a bound refuses, saying which bound and the counts. */
export function busyError(
  key: string,
  reason: 'creating' | 'draining',
  n: BusyCounts,
): CacheBusyError {
  const why =
    reason === 'creating'
      ? `${n.maxCreating} creations are in progress (maxCreating)`
      : `${n.live} live and ${n.draining} draining instances plus ${n.creating} creations ` +
        `reach max + maxCreating = ${n.max + n.maxCreating}, and none near the LRU tail is idle`
  return new CacheBusyError(
    `${n.name}: cannot create an instance for ${JSON.stringify(key)} now: ${why}`,
    reason,
  )
}

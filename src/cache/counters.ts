// What an instance cache has done since it was made, as monotonic counts: plain fields,
// bumped in place on the hot path (no allocation), read by switchyard/metrics.
import type { EvictReason } from './options.ts'

/** Upper bounds of the creation-time buckets, in seconds (Prometheus' `le`). */
export const CREATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]

export class CacheCounters {
  /** Acquires served by a live instance. */
  hits = 0
  /** Acquires that found none: a creation started or joined, or a remembered miss. */
  misses = 0
  /** Factory calls that gave an instance. */
  creations = 0
  /** Factory calls that threw, rejected or timed out. */
  factoryErrors = 0
  /** Seconds spent in factory calls that gave an instance. */
  creationSeconds = 0
  /** Creations per bucket of CREATION_BUCKETS (not cumulative); the last one is +Inf. */
  readonly creationBuckets: number[] = new Array(CREATION_BUCKETS.length + 1).fill(0)
  readonly evictions: Record<EvictReason, number> = { lru: 0, idle: 0, invalidate: 0, close: 0 }

  created(ms: number): void {
    const seconds = ms / 1000
    this.creations++
    this.creationSeconds += seconds
    let i = 0
    while (i < CREATION_BUCKETS.length && seconds > (CREATION_BUCKETS[i] as number)) i++
    ;(this.creationBuckets[i] as number)++
  }
}

// A lazy dispatcher's metrics as plain data: its cache's counters and current counts.
import { CREATION_BUCKETS, type InstanceCache, type InstanceInfo } from '../cache/cache.ts'
import type { LazyMetrics } from '../core/types.ts'

export function lazyMetrics<T, C>(
  cache: InstanceCache<T, C>,
  instances: InstanceInfo[],
): LazyMetrics {
  const c = cache.counters
  const now = cache.stats()
  let cumulative = 0
  const buckets = c.creationBuckets.map((n, i): [number, number] => {
    cumulative += n
    return [CREATION_BUCKETS[i] ?? Number.POSITIVE_INFINITY, cumulative]
  })
  return {
    hits: c.hits,
    misses: c.misses,
    creations: c.creations,
    factoryErrors: c.factoryErrors,
    creationSeconds: { count: c.creations, sum: c.creationSeconds, buckets },
    evictions: { ...c.evictions },
    live: now.live,
    draining: now.draining,
    creating: now.creating,
    negative: now.misses,
    max: cache.max,
    instances,
  }
}

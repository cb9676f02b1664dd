// switchyard/metrics: what a running dispatch tree counts, as plain data.
export type { LazyMetrics, MetricsNode, StatusCounts } from './core/types.ts'
export { collectMetrics, type MetricsRegistry } from './metrics/prometheus.ts'
export { invalidate, type MetricsSnapshot, readMetrics } from './metrics/snapshot.ts'

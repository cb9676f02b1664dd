// The counts of readMetrics() as Prometheus metrics, registered in a prom-client registry
// (passed in, so this module needs no prom-client of its own). Labels name dispatchers by
// their place in the tree, never by tenant key or anything else a client controls.
import type { App, MetricsNode, ProcessMetrics } from '../core/types.ts'
import { readMetrics } from './snapshot.ts'

/** What collectMetrics() needs of a prom-client `Registry` (or `AggregatorRegistry`). */
export interface MetricsRegistry {
  registerMetric(metric: never): void
}

type Labels = Record<string, string | number>
interface Sample {
  labels: Labels
  value: number
  metricName?: string
}
interface Row {
  route: string
  kind: string
  node: MetricsNode
}

interface Family {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  samples(row: Row): Sample[]
}

const FAMILIES: Family[] = [
  counter('requests_total', 'Requests answered, by status class', (row) =>
    Object.entries(row.node.requests ?? {}).map(([c, value]) => ({
      labels: { route: row.route, kind: row.kind, class: c },
      value,
    })),
  ),
  lazyCounter('cache_hits_total', 'Requests served by a live instance', (l) => l.hits),
  lazyCounter('cache_misses_total', 'Requests that found no live instance', (l) => l.misses),
  lazyCounter('instances_created_total', 'Instances created', (l) => l.creations),
  lazyCounter(
    'factory_errors_total',
    'Factory calls that failed or timed out',
    (l) => l.factoryErrors,
  ),
  counter('instances_evicted_total', 'Instances evicted, by reason', (row) =>
    Object.entries(row.node.lazy?.evictions ?? {}).map(([reason, value]) => ({
      labels: { route: row.route, reason },
      value,
    })),
  ),
  {
    name: 'instance_creation_seconds',
    help: 'Time factories took to create an instance',
    type: 'histogram',
    samples: ({ route, node }) => {
      const c = node.lazy?.creationSeconds
      if (c === undefined) return []
      const name = 'switchyard_instance_creation_seconds'
      return [
        ...c.buckets.map(([le, value]) => ({
          labels: { route, le: le === Number.POSITIVE_INFINITY ? '+Inf' : le },
          value,
          metricName: `${name}_bucket`,
        })),
        { labels: { route }, value: c.sum, metricName: `${name}_sum` },
        { labels: { route }, value: c.count, metricName: `${name}_count` },
      ]
    },
  },
  gauge('instances', 'Instances by state (draining: evicted, finishing requests)', (row) => {
    const l = row.node.lazy
    if (l === undefined) return []
    return (['live', 'draining', 'creating'] as const).map((state) => ({
      labels: { route: row.route, state },
      value: l[state],
    }))
  }),
  lazyGauge('negative_entries', 'Remembered "no such key" results', (l) => l.negative),
  gauge('upstream_connections', "Connections of an upstream app's pool, by state", (row) => {
    const u = row.node.upstream
    if (u === undefined) return []
    return (['connected', 'running', 'pending'] as const).map((state) => ({
      labels: { route: row.route, state },
      value: u[state],
    }))
  }),
  counter('upstream_requests_total', 'Requests forwarded to an upstream app', (row) =>
    row.node.upstream === undefined
      ? []
      : [{ labels: { route: row.route }, value: row.node.upstream.requests }],
  ),
  counter('upstream_upgrades_total', 'Upgrades (WebSockets) piped to an upstream app', (row) =>
    row.node.upstream === undefined
      ? []
      : [{ labels: { route: row.route }, value: row.node.upstream.upgrades }],
  ),
  // Per route, never per tenant: a lazy dispatcher's spawned instances are counted together.
  gauge('processes', 'Child processes of spawned apps, by readiness', (row) => {
    const all = processesOf(row.node)
    if (all.length === 0) return []
    const ready = all.filter((p) => p.ready).length
    return [
      { labels: { route: row.route, state: 'ready' }, value: ready },
      { labels: { route: row.route, state: 'not_ready' }, value: all.length - ready },
    ]
  }),
  gauge('process_restarts', 'Restarts of the live child processes of spawned apps', (row) => {
    const all = processesOf(row.node)
    if (all.length === 0) return []
    return [{ labels: { route: row.route }, value: all.reduce((n, p) => n + p.restarts, 0) }]
  }),
]

function processesOf(node: MetricsNode): ProcessMetrics[] {
  if (node.process !== undefined) return [node.process]
  return (node.lazy?.instances ?? []).flatMap((i) => (i.process === undefined ? [] : [i.process]))
}

/**
 * Registers switchyard's metrics (`switchyard_*`, see the README) for `app` in `registry`.
 * Values are read at scrape time; one scrape reads one snapshot.
 */
export function collectMetrics(app: App, registry: MetricsRegistry): void {
  let rows: Row[] | undefined
  const read = (): Row[] => {
    if (rows === undefined) {
      rows = flatten(readMetrics(app).tree)
      // prom-client calls every family's get() in one synchronous loop per scrape.
      queueMicrotask(() => {
        rows = undefined
      })
    }
    return rows
  }
  for (const family of FAMILIES) {
    const name = `switchyard_${family.name}`
    const { help, type } = family
    const get = async () => ({
      name,
      help,
      type,
      aggregator: 'sum',
      values: read().flatMap((row) => family.samples(row)),
    })
    registry.registerMetric({ name, help, type, aggregator: 'sum', get } as never)
  }
}

/** Every dispatcher of the tree, labelled by the matches leading to it from the root. */
function flatten(root: MetricsNode): Row[] {
  const rows: Row[] = []
  const walk = (node: MetricsNode, route: string) => {
    if (node.requests !== undefined || node.upstream !== undefined) {
      rows.push({ route, kind: node.kind, node })
    }
    for (const child of node.children ?? []) walk(child.node, `${route} > ${child.match}`)
  }
  walk(root, 'root')
  return rows
}

function counter(name: string, help: string, samples: Family['samples']): Family {
  return { name, help, type: 'counter', samples }
}

function gauge(name: string, help: string, samples: Family['samples']): Family {
  return { name, help, type: 'gauge', samples }
}

type LazyValue = (lazy: NonNullable<MetricsNode['lazy']>) => number

function lazyCounter(name: string, help: string, value: LazyValue): Family {
  return counter(name, help, lazySamples(value))
}

function lazyGauge(name: string, help: string, value: LazyValue): Family {
  return gauge(name, help, lazySamples(value))
}

function lazySamples(value: LazyValue): Family['samples'] {
  return ({ route, node }) =>
    node.lazy === undefined ? [] : [{ labels: { route }, value: value(node.lazy) }]
}

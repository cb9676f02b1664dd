// What the dashboard's JSON endpoint answers: every serving process's tree merged into one
// (counts summed, instances listed with their pid), the processes that did not answer, and
// the latest requests. `switchyard routes --url` prints the same document.
import type {
  LazyMetrics,
  MetricsNode,
  ProcessMetrics,
  RouteNode,
  StatusCounts,
  UpstreamMetrics,
} from '../core/types.ts'
import type { RecentRequest } from './recent.ts'
import type { MetricsSnapshot } from './snapshot.ts'

/** A serving process that did not answer (in time, or with an error). */
export interface ProcessFailure {
  pid: number | undefined
  error: string
}

/** What one process gave: its snapshot, or why there is none. */
export type ProcessReport = MetricsSnapshot | ProcessFailure

export type DashboardInstance = LazyMetrics['instances'][number] & { pid: number | undefined }

export interface DashboardLazy extends Omit<LazyMetrics, 'instances'> {
  instances: DashboardInstance[]
}

/** A node of the merged tree. */
export interface DashboardNode extends RouteNode {
  requests?: StatusCounts
  lazy?: DashboardLazy
  /** An upstream's pool, summed over the serving processes. */
  upstream?: UpstreamMetrics
  /** A spawned app's child process in each serving process (`server`: that process's pid). */
  processes?: Array<ProcessMetrics & { server: number | undefined }>
  /** This dispatcher in each process: what an invalidation names (`pid`, `id`). */
  targets?: Array<{ pid: number | undefined; id: number }>
  children?: Array<{ match: string; node: DashboardNode }>
}

export interface DashboardState {
  /** Marks the document, so a client can tell a dashboard from any other JSON. */
  dashboard: 'switchyard'
  version: 1
  time: number
  /** No invalidation: the page shows no buttons and POSTs answer 405. */
  readOnly: boolean
  processes: Array<{ pid: number | undefined; time?: number; error?: string }>
  /** Undefined when no process answered. */
  tree?: DashboardNode
  /** Oldest first. */
  requests: RecentRequest[]
}

export function isFailure(report: ProcessReport): report is ProcessFailure {
  return 'error' in report
}

export function buildState(
  reports: ProcessReport[],
  requests: RecentRequest[],
  readOnly: boolean,
): DashboardState {
  const snapshots = reports.filter((report): report is MetricsSnapshot => !isFailure(report))
  const trees = snapshots.map((snapshot) => ({ pid: snapshot.pid, node: snapshot.tree }))
  return {
    dashboard: 'switchyard',
    version: 1,
    time: Date.now(),
    readOnly,
    processes: reports.map((report) =>
      isFailure(report)
        ? { pid: report.pid, error: report.error }
        : { pid: report.pid, time: report.time },
    ),
    tree: trees.length === 0 ? undefined : mergeNodes(trees),
    requests,
  }
}

type Owned = { pid: number | undefined; node: MetricsNode }

// Processes load the same entry, so their trees have the same shape; children are paired
// by their match all the same, in case one runs other code (a rolling restart).
function mergeNodes(nodes: Owned[]): DashboardNode {
  const first = (nodes[0] as Owned).node
  const out: DashboardNode = { kind: first.kind, label: first.label }
  const targets = nodes.flatMap(({ pid, node }) =>
    node.id === undefined ? [] : [{ pid, id: node.id }],
  )
  if (targets.length > 0) out.targets = targets
  const counted = nodes.flatMap(({ node }) => (node.requests === undefined ? [] : [node.requests]))
  if (counted.length > 0) out.requests = sumRecords(counted)
  const lazy = nodes.flatMap(({ pid, node }) =>
    node.lazy === undefined ? [] : [{ pid, lazy: node.lazy }],
  )
  if (lazy.length > 0) out.lazy = mergeLazy(lazy)
  const upstreams = nodes.flatMap(({ node }) =>
    node.upstream === undefined ? [] : [node.upstream],
  )
  if (upstreams.length > 0) {
    const { target, ...counts } = upstreams[0] as UpstreamMetrics
    out.upstream = {
      target,
      ...sumRecords([counts, ...upstreams.slice(1).map(({ target: _, ...c }) => c)]),
    }
  }
  const processes = nodes.flatMap(({ pid, node }) =>
    node.process === undefined ? [] : [{ ...node.process, server: pid }],
  )
  if (processes.length > 0) out.processes = processes
  const groups = new Map<string, Owned[]>()
  for (const { pid, node } of nodes) {
    for (const child of node.children ?? []) {
      const group = groups.get(child.match) ?? []
      group.push({ pid, node: child.node })
      groups.set(child.match, group)
    }
  }
  if (groups.size > 0) {
    out.children = [...groups].map(([match, group]) => ({ match, node: mergeNodes(group) }))
  }
  if (nodes.length > 1 && out.lazy !== undefined) nameLiveKeys(out, out.lazy)
  return out
}

// A factory's label lists one process's live keys (as routes() writes it); merged, all of
// them, in the same form.
function nameLiveKeys(node: DashboardNode, lazy: DashboardLazy): void {
  const keys = [...new Set(lazy.instances.map((instance) => instance.key))]
  const live = keys.length === 0 ? 'none live' : `live: ${keys.slice(0, 20).join(', ')}`
  for (const child of node.children ?? []) {
    if (child.node.kind === 'factory') {
      child.node.label = `create(key), ${live}${keys.length > 20 ? ', …' : ''}`
    }
  }
}

function mergeLazy(all: Array<{ pid: number | undefined; lazy: LazyMetrics }>): DashboardLazy {
  const lazies = all.map((entry) => entry.lazy)
  const first = lazies[0] as LazyMetrics
  const sum = (pick: (lazy: LazyMetrics) => number) =>
    lazies.reduce((total, lazy) => total + pick(lazy), 0)
  return {
    hits: sum((l) => l.hits),
    misses: sum((l) => l.misses),
    creations: sum((l) => l.creations),
    factoryErrors: sum((l) => l.factoryErrors),
    creationSeconds: {
      count: sum((l) => l.creationSeconds.count),
      sum: sum((l) => l.creationSeconds.sum),
      buckets: first.creationSeconds.buckets.map(([le], i) => [
        le,
        sum((l) => l.creationSeconds.buckets[i]?.[1] ?? 0),
      ]),
    },
    evictions: sumRecords(lazies.map((lazy) => lazy.evictions)),
    live: sum((l) => l.live),
    draining: sum((l) => l.draining),
    creating: sum((l) => l.creating),
    negative: sum((l) => l.negative),
    // Each process has its own cache: the bound over all of them is the sum.
    max: sum((l) => l.max),
    instances: all.flatMap(({ pid, lazy }) =>
      lazy.instances.map((instance) => ({ ...instance, pid })),
    ),
  }
}

function sumRecords<T extends object>(records: T[]): T {
  const out = { ...(records[0] as T) } as Record<string, number>
  for (const record of records.slice(1)) {
    for (const [name, value] of Object.entries(record)) out[name] = (out[name] ?? 0) + value
  }
  return out as T
}

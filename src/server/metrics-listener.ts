// `serve --metrics`: Prometheus text at /metrics and the read-only dashboard at / on a
// listener of its own, never the public port. With workers, the primary answers for all
// of them: prom-client's cluster aggregation sums their counts.
import cluster from 'node:cluster'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AggregatorRegistry, Registry } from 'prom-client'
import type { App } from '../core/types.ts'
import { answerMetricsRequests } from '../metrics/channel.ts'
import { type DashboardSource, dashboardHandler } from '../metrics/dashboard.ts'
import { localDashboardSource, workersDashboardSource } from '../metrics/dashboard-source.ts'
import { collectMetrics } from '../metrics/prometheus.ts'
import type { RecentRequests } from '../metrics/recent.ts'
import { listen } from './listen.ts'

export interface MetricsAddress {
  host: string
  port: number
}

/** What the listener serves, from this process or from every worker. */
export interface MetricsSource {
  /** Prometheus text. */
  text(): Promise<string>
  readonly contentType: string
  /** The read-only dashboard's data. */
  readonly dashboard: DashboardSource
}

/** The metrics of an app served in this process; `recent` feeds the dashboard's log. */
export function localMetrics(app: App, recent: RecentRequests): MetricsSource {
  const registry = new Registry()
  collectMetrics(app, registry)
  return {
    text: () => registry.metrics(),
    contentType: registry.contentType,
    dashboard: localDashboardSource(app, recent, { readOnly: true }),
  }
}

/**
 * In a cluster worker: lets the primary read this worker's metrics (prom-client's
 * aggregation requests, and the dashboard's snapshots). Called before the app loads, so a
 * booting worker answers too (with nothing yet); call the result with the loaded app.
 */
export function exposeWorkerMetrics(recent: RecentRequests): (app: App) => void {
  const registry = new Registry()
  AggregatorRegistry.setRegistries([registry])
  // Constructing one installs prom-client's listener that answers the primary.
  new AggregatorRegistry()
  let loaded: App | undefined
  answerMetricsRequests(() => loaded, process, { requests: () => recent.list() })
  return (app) => {
    loaded = app
    collectMetrics(app, registry)
  }
}

/** In the cluster primary: every live worker's metrics, summed. */
export function clusterMetrics(): MetricsSource {
  const registry = new AggregatorRegistry()
  const workers = () =>
    Object.values(cluster.workers ?? {}).flatMap((worker) =>
      worker?.isConnected() ? [{ pid: worker.process.pid, port: worker }] : [],
    )
  return {
    text: () => (workers().length === 0 ? Promise.resolve('') : registry.clusterMetrics()),
    contentType: registry.contentType,
    dashboard: workersDashboardSource(workers, { readOnly: true }),
  }
}

export interface MetricsListener {
  readonly url: string
  close(): Promise<void>
}

export async function startMetricsListener(
  source: MetricsSource,
  address: MetricsAddress,
): Promise<MetricsListener> {
  const dashboard = dashboardHandler(source.dashboard, { base: '/' })
  const server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] === '/metrics') void answer(source, req, res)
    else dashboard(req, res)
  })
  await listen(server, address.port, address.host)
  const { port } = server.address() as AddressInfo
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function answer(source: MetricsSource, req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? '/').split('?')[0]
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, 'text/plain', 'GET only\n')
  if (path !== '/metrics') return send(res, 404, 'text/plain', 'Not Found: try /metrics\n')
  try {
    send(res, 200, source.contentType, await source.text())
  } catch (error) {
    send(res, 503, 'text/plain', `metrics unavailable: ${(error as Error).message}\n`)
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}

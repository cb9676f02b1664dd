// `serve --metrics`: Prometheus text at /metrics and the read-only dashboard at / on a
// listener of its own, never the public port. With workers, the primary answers for all
// of them, summing their counts (metrics-sum.ts).
import cluster from 'node:cluster'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { type AddressInfo, isIP } from 'node:net'
import { Registry } from 'prom-client'
import type { App } from '../core/types.ts'
import { answerMetricsRequests } from '../metrics/channel.ts'
import { type DashboardSource, dashboardHandler } from '../metrics/dashboard.ts'
import { localDashboardSource, workersDashboardSource } from '../metrics/dashboard-source.ts'
import { collectMetrics } from '../metrics/prometheus.ts'
import type { RecentRequests } from '../metrics/recent.ts'
import { BadHost, parseHost } from '../parse/host.ts'
import { listen } from './listen.ts'
import { WorkerSums } from './metrics-sum.ts'

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
 * In a cluster worker: lets the primary read this worker's metrics and dashboard. Called
 * before the app loads, so a booting worker answers too (with nothing yet); call the result
 * with the loaded app.
 */
export function exposeWorkerMetrics(recent: RecentRequests): (app: App) => void {
  const registry = new Registry()
  let loaded: App | undefined
  answerMetricsRequests(() => loaded, process, {
    requests: () => recent.list(),
    prometheus: () => registry.getMetricsAsJSON(),
  })
  return (app) => {
    loaded = app
    collectMetrics(app, registry)
  }
}

/** In the cluster primary: every worker's metrics, summed. */
export function clusterMetrics(): MetricsSource {
  const workers = () =>
    Object.values(cluster.workers ?? {}).flatMap((worker) =>
      worker?.isConnected() ? [{ pid: worker.process.pid, port: worker }] : [],
    )
  const sums = new WorkerSums()
  return {
    text: () => sums.text(workers()),
    contentType: Registry.PROMETHEUS_CONTENT_TYPE,
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
    if (!allowedHost(req, address.host)) {
      send(res, 403, 'text/plain', FOREIGN_HOST)
    } else if ((req.url ?? '/').split('?')[0] === '/metrics') void answer(source, req, res)
    else dashboard(req, res)
  })
  const flag = '--metrics [host:]port'
  await listen(server, address.port, address.host, { port: flag, host: flag })
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

const FOREIGN_HOST =
  'Forbidden: the metrics listener answers to an IP address, localhost, or the host given to --metrics\n'

/**
 * The dashboard lists tenant keys and request paths: no page of another site may read it
 * by making its own name resolve here (DNS rebinding), so names other than the local ones
 * and the bound host are refused; IP addresses cannot be rebound.
 */
function allowedHost(req: IncomingMessage, bound: string): boolean {
  const host = parseHost(req.headers.host)
  if (host instanceof BadHost) return false
  if (host === 'localhost' || host.endsWith('.localhost') || host === bound.toLowerCase()) {
    return true
  }
  return isIP(host.startsWith('[') ? host.slice(1, -1) : host) !== 0
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

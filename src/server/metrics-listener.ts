// `serve --metrics`: Prometheus text at /metrics (and the read-only dashboard at /) on a
// listener of its own, never the public port. With workers, the primary answers for all
// of them: prom-client's cluster aggregation sums their counts.
import cluster from 'node:cluster'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AggregatorRegistry, Registry } from 'prom-client'
import type { App } from '../core/types.ts'
import { answerMetricsRequests } from '../metrics/channel.ts'
import { collectMetrics } from '../metrics/prometheus.ts'
import { listen } from './listen.ts'

export interface MetricsAddress {
  host: string
  port: number
}

/** What the listener serves: Prometheus text, from this process or from every worker. */
export interface MetricsSource {
  text(): Promise<string>
  readonly contentType: string
}

/** The metrics of an app served in this process. */
export function localMetrics(app: App): MetricsSource {
  const registry = new Registry()
  collectMetrics(app, registry)
  return { text: () => registry.metrics(), contentType: registry.contentType }
}

/**
 * In a cluster worker: lets the primary read this worker's metrics (prom-client's
 * aggregation requests, and the dashboard's snapshots).
 */
export function exposeWorkerMetrics(app: App): void {
  const registry = new Registry()
  collectMetrics(app, registry)
  AggregatorRegistry.setRegistries([registry])
  // Constructing one installs prom-client's listener that answers the primary.
  new AggregatorRegistry()
  answerMetricsRequests(() => app, process)
}

/** In the cluster primary: every live worker's metrics, summed. */
export function clusterMetrics(): MetricsSource {
  const registry = new AggregatorRegistry()
  return {
    text: () =>
      Object.keys(cluster.workers ?? {}).length === 0
        ? Promise.resolve('')
        : registry.clusterMetrics(),
    contentType: registry.contentType,
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
  const server = createServer((req, res) => void answer(source, req, res))
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

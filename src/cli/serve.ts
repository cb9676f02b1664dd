// `switchyard serve [entry]`: the production server, in process or over node:cluster workers.
import cluster from 'node:cluster'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { App } from '../core/types.ts'
import { RecentRequests } from '../metrics/recent.ts'
import { parseDuration } from '../parse/duration.ts'
import type { AccessLogLine } from '../server/access-log.ts'
import { type Affinity, DEFAULT_AFFINITY, runPrimary, serveWorker } from '../server/cluster.ts'
import { type EntrySpec, loadEntry, parseEntry } from '../server/load-app.ts'
import {
  clusterMetrics,
  exposeWorkerMetrics,
  localMetrics,
  type MetricsAddress,
  type MetricsListener,
  type MetricsSource,
  startMetricsListener,
} from '../server/metrics-listener.ts'
import { DEFAULTS, resolveWorkers, type ServeOptions, serve } from '../server/serve.ts'
import { parseCommandArgs, parsePort, runCommand, UsageError } from './args.ts'

const HELP = `Usage: switchyard serve [entry] [options]

Production server. With more than one worker, a primary process forks the workers (each
loads the app) and shares the port among them; it serves nothing itself.

Options:
  -p, --port <n>              port to listen on (default: the PORT environment variable,
                              else 5000; 0 picks a free one)
      --host <name>           interface to bind (default localhost; 0.0.0.0 for all)
  -w, --workers <n|auto>      worker processes (default 1: serve in this process;
                              auto: one per CPU core)
      --affinity <host|none>  with 2 or more workers, how new connections reach them:
                              none (default): node:cluster's round robin; host: the
                              primary reads each one's first Host and hands it to the
                              worker a consistent hash of that Host picks, so each
                              tenant lives in one worker (for many tenants: one Host
                              is served by one worker)
      --access-log            one JSON line per request on stdout:
                              {time, method, url, status, ms, bytes, app, key}
      --metrics <[host:]port> Prometheus text at /metrics and a read-only dashboard at /
                              on a listener of its own (host default 127.0.0.1); with
                              workers, summed over all of them
      --trust-proxy           read X-Forwarded-Host and X-Forwarded-Prefix
      --no-override-globals   leave the global Request/Response alone (Fetch apps
                              then run on Node's own, about 2.5 × slower)
      --shutdown-timeout <d>  bound on finishing in-flight requests at shutdown
                              (default 10s; e.g. 500ms, 30s, 2m)
      --response-timeout <d>  bound on an app starting its answer, then 504
                              (default 60s; 0 disables)
  -h, --help                  show this help

Signals:
  SIGTERM, SIGINT  graceful shutdown: stop accepting, finish in-flight requests (bounded),
                   dispose every live instance, exit 0. A second signal exits at once.
  SIGHUP           rolling restart (with 2 or more workers): each worker in turn is
                   replaced by a new one loading the entry afresh; no request is refused.`

export function serveCommand(args: string[]): Promise<number> {
  return runCommand(HELP, async () => {
    const { values, positionals } = parseCommandArgs('serve', args, {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      workers: { type: 'string', short: 'w' },
      affinity: { type: 'string' },
      metrics: { type: 'string' },
      'access-log': { type: 'boolean' },
      'trust-proxy': { type: 'boolean' },
      'shutdown-timeout': { type: 'string' },
      'response-timeout': { type: 'string' },
      'no-override-globals': { type: 'boolean' },
    })
    if (values.help) {
      console.log(HELP)
      return 0
    }
    if (positionals.length > 1) {
      throw new UsageError(`switchyard serve: one entry expected, got ${positionals.join(' ')}`)
    }
    const workers = parseWorkers(values.workers as string | undefined)
    const affinity = parseAffinity(values.affinity as string | undefined)
    const shutdownTimeout = durationFlag(values, 'shutdown-timeout', DEFAULTS.shutdownTimeout)
    const responseTimeout = durationFlag(values, 'response-timeout', DEFAULTS.responseTimeout)
    const options: ServeOptions = {
      port: parsePort(values.port as string | undefined, process.env.PORT, 5000, 'serve'),
      host: (values.host as string | undefined) ?? 'localhost',
      accessLog: values['access-log'] === true,
      trustProxy: values['trust-proxy'] === true,
      overrideGlobalObjects: values['no-override-globals'] !== true,
      shutdownTimeout,
      responseTimeout,
    }
    const metrics = parseMetricsAddress(values.metrics as string | undefined)
    // With metrics on, the latest requests are kept for the dashboard's access log.
    const recent = metrics === undefined ? undefined : new RecentRequests()
    if (recent !== undefined) options.accessLog = recordTo(recent, options.accessLog === true)
    const entry = parseEntry(positionals[0])
    if (cluster.isWorker) {
      const loaded = recent && exposeWorkerMetrics(recent)
      const loadWithMetrics = async () => {
        const app = await load(entry)
        loaded?.(app)
        return app
      }
      return serveWorker(loadWithMetrics, { ...options, affinity })
    }
    if (workers > 1) {
      const listener = metrics && (await startMetrics(clusterMetrics(), metrics))
      return runPrimary({
        workers,
        // Workers run this CLI again (bin.ts from source, bin.js once built), same flags.
        exec: fileURLToPath(new URL(`../bin${extname(import.meta.url)}`, import.meta.url)),
        args: ['serve', ...args],
        execArgv: process.execArgv,
        shutdownTimeout,
        affinity,
        port: options.port as number,
        host: options.host as string,
        trustProxy: options.trustProxy === true,
        onReady: (url) => console.log(`switchyard serve: listening on ${url} (${workers} workers)`),
      }).finally(() => listener?.close())
    }
    const app = await load(entry)
    const running = await serve(app, { ...options, signals: true })
    let listener: MetricsListener | undefined
    try {
      listener = recent && metrics && (await startMetrics(localMetrics(app, recent), metrics))
    } catch (error) {
      await running.close()
      throw error
    }
    // Without a primary there is nothing to restart in place: say so instead of dying.
    const hup = () =>
      console.error('switchyard serve: SIGHUP ignored: rolling restarts need --workers 2 or more')
    process.on('SIGHUP', hup)
    console.log(`switchyard serve: listening on ${running.url} (pid ${process.pid})`)
    await running.closed
    await listener?.close()
    process.off('SIGHUP', hup)
    return 0
  })
}

/** Loads the entry; a module that fails to load is an Error (exit 1) with its cause. */
async function load(entry: EntrySpec): Promise<App> {
  try {
    return await loadEntry(entry)
  } catch (error) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
    throw new Error(`cannot load ${entry.file}:\n${detail}`)
  }
}

/** `--metrics 9100`, `--metrics 0.0.0.0:9100` or `--metrics [::1]:9100`. */
function parseMetricsAddress(value: string | undefined): MetricsAddress | undefined {
  if (value === undefined) return undefined
  const match = /^(?:(\[[^\]]+\]|[^:[\]]+):)?(\d+)$/.exec(value)
  const port = Number(match?.[2])
  if (match === null || port > 65535) {
    throw new UsageError(
      `switchyard serve: --metrics takes a port or host:port (e.g. 9100 or 0.0.0.0:9100), got "${value}"`,
    )
  }
  return { host: match[1]?.replace(/^\[|\]$/g, '') ?? '127.0.0.1', port }
}

/** An access log that keeps the latest requests (and prints JSON lines if asked). */
function recordTo(recent: RecentRequests, print: boolean): (line: AccessLogLine) => void {
  return (line) => {
    recent.add({
      time: Date.parse(line.time),
      pid: process.pid,
      method: line.method,
      // Query strings may carry secrets (tokens, reset links): the dashboard shows paths.
      url: line.url.replace(/\?.*$/s, '?…'),
      host: line.host ?? '',
      status: line.aborted ? 0 : line.status,
      ms: line.ms,
      app: line.app,
      key: line.key,
    })
    if (print) process.stdout.write(`${JSON.stringify(line)}\n`)
  }
}

async function startMetrics(source: MetricsSource, address: MetricsAddress) {
  const listener = await startMetricsListener(source, address)
  console.log(`switchyard serve: metrics on ${listener.url}metrics`)
  return listener
}

function parseWorkers(value: string | undefined): number {
  if (value === undefined) return 1
  if (value === 'auto') return resolveWorkers('auto', 'serve')
  if (/^\d+$/.test(value) && Number(value) >= 1) return Number(value)
  throw new UsageError(
    `switchyard serve: --workers must be a positive integer or "auto", got "${value}"`,
  )
}

function parseAffinity(value: string | undefined): Affinity {
  if (value === undefined) return DEFAULT_AFFINITY
  if (value === 'host' || value === 'none') return value
  throw new UsageError(`switchyard serve: --affinity must be "host" or "none", got "${value}"`)
}

function durationFlag(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: number,
): number {
  try {
    return parseDuration(values[name] ?? fallback, `--${name}`, 'switchyard serve')
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

// serve(): the production server as a function (DESIGN §4). `switchyard serve` runs it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { availableParallelism } from 'node:os'
import { entryConfig } from '../core/config.ts'
import { type ErrorReporter, logError } from '../core/errors.ts'
import { mountInfo } from '../core/info.ts'
import { isDispatcher } from '../core/leaf.ts'
import type { App } from '../core/types.ts'
import { type NodeListenerOptions, toNodeListener } from '../entry/node.ts'
import { toUpgradeListener } from '../entry/upgrade.ts'
import { describe, parseDuration } from '../parse/duration.ts'
import { ResponseDeadline } from './deadline.ts'
import { listen } from './listen.ts'
import { Drain, onShutdownSignals } from './shutdown.ts'

/** Durations are milliseconds or strings such as '5s' or '2m'. */
export interface ServeOptions extends NodeListenerOptions {
  /** Default 5000; 0 picks a free port. */
  port?: number
  /** Interface to bind; default 'localhost'. '0.0.0.0' or '::' for all. */
  host?: string
  /** One JSON line per request on stdout (`true`), or to this function. */
  accessLog?: boolean | ((line: AccessLogLine) => void)
  keepAliveTimeout?: number | string
  headersTimeout?: number | string
  /** Bound on receiving a whole request; 0 disables. */
  requestTimeout?: number | string
  /**
   * Bound on an app starting its answer (the response head): then 504 and the connection
   * closes; what the app writes later is dropped. Default 60 s, 0 disables. Streams whose
   * head has gone out are not bounded.
   */
  responseTimeout?: number | string
  /** Bound on finishing in-flight requests (and open WebSockets) when closing; default 10 s. */
  shutdownTimeout?: number | string
  /** Close gracefully on SIGTERM/SIGINT, then let the process exit. Default false. */
  signals?: boolean
  /**
   * Only 1 here: each worker must load the app itself, so more workers are the CLI's job
   * (`switchyard serve entry --workers N`). 'auto' is allowed when it means 1 (one core).
   */
  workers?: number | 'auto'
}

export interface AccessLogLine {
  /** When the request arrived (ISO 8601). */
  time: string
  method: string
  /** The request target as the client sent it. */
  url: string
  status: number
  /** Time to the end of the response, in milliseconds. */
  ms: number
  /** Bytes sent on the connection for this response, headers included. */
  bytes?: number
  /** The base path of the app that served it ('/' for the root); absent if none did. */
  app?: string
  /** The key of the lazily created instance that served it. */
  key?: string
  /** The connection closed before the response was complete. */
  aborted?: true
}

export interface RunningServer {
  /** `http://host:port`; unspecified addresses (0.0.0.0, ::) show as localhost. */
  url: string
  port: number
  server: Server
  /** Graceful: stop accepting, finish in-flight requests (bounded), dispose instances. */
  close(): Promise<void>
  /** Resolves once the server is closed, whoever closed it (a signal, close()). */
  closed: Promise<void>
}

// Timeouts, against Node 20's defaults:
// - keepAliveTimeout 5 s (Node: 5 s): idle keep-alive connections are cheap but not free.
//   Behind a load balancer that reuses connections, set it above the balancer's idle
//   timeout (e.g. 65 s for AWS ALB's 60 s), or the balancer may reuse a closing connection.
// - headersTimeout 10 s (Node: 60 s): a client gets 10 s to send its headers (slowloris);
//   kept above keepAliveTimeout, which very old Node versions needed and is harmless now.
// - requestTimeout 300 s (Node: 300 s): bound on receiving a whole request (uploads).
// - responseTimeout 60 s (Node: none): bound on an app starting its answer, as nginx's
//   proxy_read_timeout bounds an upstream; Node's bounds above never end a request the
//   app does not answer.
// - connectionsCheckingInterval 1 s (Node: 30 s): how often the two bounds above are
//   checked; at 30 s a 10 s headers bound would really be up to 40 s.
/** @internal */
export const DEFAULTS = {
  keepAliveTimeout: 5_000,
  headersTimeout: 10_000,
  requestTimeout: 300_000,
  responseTimeout: 60_000,
  shutdownTimeout: 10_000,
}
const CHECK_INTERVAL = 1_000

/** Serves `app` over HTTP; resolves once listening. */
export async function serve(app: App, options: ServeOptions = {}): Promise<RunningServer> {
  if (resolveWorkers(options.workers, 'serve()') > 1) {
    throw new TypeError(
      'serve(): workers > 1 needs every worker to load the app itself: run `switchyard serve <entry> --workers N`, or call serve() in each worker of your own node:cluster setup',
    )
  }
  const port = options.port ?? 5000
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`serve(): port must be an integer from 0 to 65535, got ${describe(port)}`)
  }
  const host = options.host ?? 'localhost'
  const ms = (name: keyof typeof DEFAULTS) =>
    parseDuration(options[name] ?? DEFAULTS[name], name, 'serve()')
  const requestTimeout = ms('requestTimeout')
  // Node refuses headersTimeout > requestTimeout (unless 0): lower the default, not a choice.
  let headersTimeout = ms('headersTimeout')
  if (options.headersTimeout === undefined && requestTimeout > 0) {
    headersTimeout = Math.min(headersTimeout, requestTimeout)
  }
  const shutdownTimeout = ms('shutdownTimeout')
  const deadline = new ResponseDeadline(ms('responseTimeout'), entryConfig(options))

  const listenerOptions = {
    trustProxy: options.trustProxy,
    onError: options.onError,
    overrideGlobalObjects: options.overrideGlobalObjects,
  }
  const listener = toNodeListener(app, listenerOptions)
  const log = accessLogger(options.accessLog, options.onError ?? logError)
  const server = createServer(
    { headersTimeout, requestTimeout, connectionsCheckingInterval: CHECK_INTERVAL },
    (req, res) => {
      drain.track(req, res)
      deadline.track(res)
      if (log !== undefined) log(req, res)
      listener(req, res)
    },
  )
  server.keepAliveTimeout = ms('keepAliveTimeout')
  server.on('upgrade', toUpgradeListener(app, listenerOptions))
  const drain = new Drain(server)

  await listen(server, port, host)

  let closing: Promise<void> | undefined
  let markClosed: () => void = () => {}
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve
  })
  const close = () => {
    closing ??= (async () => {
      try {
        await drain.close(shutdownTimeout)
        deadline.stop()
        if (isDispatcher(app)) await app.close()
      } finally {
        markClosed()
      }
    })()
    return closing
  }
  if (options.signals === true) {
    const uninstall = onShutdownSignals(close)
    closed.then(uninstall)
  }
  const actual = (server.address() as AddressInfo).port
  return { url: urlFor(host, actual), port: actual, server, close, closed }
}

/** The number of workers `workers` asks for; a TypeError naming `context` otherwise. */
export function resolveWorkers(workers: number | 'auto' | undefined, context: string): number {
  if (workers === undefined) return 1
  if (workers === 'auto') return availableParallelism()
  if (Number.isInteger(workers) && workers >= 1) return workers
  throw new TypeError(
    `${context}: workers must be an integer >= 1 or 'auto', got ${describe(workers)}`,
  )
}

/** @internal The URL a server bound to `host` is reached at. */
export function urlFor(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}`
}

function accessLogger(
  option: ServeOptions['accessLog'],
  report: ErrorReporter,
): ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
  if (option === undefined || option === false) return undefined
  const write =
    option === true
      ? (line: AccessLogLine) => process.stdout.write(`${JSON.stringify(line)}\n`)
      : option
  return (req, res) => {
    const start = performance.now()
    const time = new Date().toISOString()
    const url = req.url ?? ''
    const socket = req.socket
    const before = socket.bytesWritten
    // 'close' always comes, after 'finish' or instead of it (client gone).
    res.once('close', () => {
      const line: AccessLogLine = {
        time,
        method: req.method ?? '',
        url,
        status: res.statusCode,
        ms: Math.round((performance.now() - start) * 10) / 10,
        bytes: socket.bytesWritten - before,
      }
      const info = mountInfo(req)
      if (info !== undefined) {
        line.app = info.basePath === '' ? '/' : info.basePath
        if (info.key !== undefined) line.key = info.key
      }
      if (!res.writableFinished) line.aborted = true
      try {
        write(line)
      } catch (error) {
        report(error, { method: line.method, url })
      }
    })
  }
}

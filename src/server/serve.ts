// serve(): the production server as a function (DESIGN §4). `switchyard serve` runs it.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { availableParallelism } from 'node:os'
import { entryConfig } from '../core/config.ts'
import { logError } from '../core/errors.ts'
import { isDispatcher } from '../core/leaf.ts'
import type { App } from '../core/types.ts'
import { type NodeListenerOptions, toNodeListener } from '../entry/node.ts'
import { toUpgradeListener } from '../entry/upgrade.ts'
import { describe, parseDuration } from '../parse/duration.ts'
import { type AccessLogLine, accessLogger } from './access-log.ts'
import { ResponseDeadline } from './deadline.ts'
import { withLingeringClose } from './linger.ts'
import { listen } from './listen.ts'
import { Drain, onShutdownSignals } from './shutdown.ts'

export type { AccessLogLine }

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
  const built = buildServer(app, options)
  try {
    await listen(built.server, port, host)
  } catch (error) {
    await built.close()
    throw error
  }
  const actual = (built.server.address() as AddressInfo).port
  return { ...built, url: urlFor(host, actual), port: actual }
}

/** @internal A server of serve() that is not listening (yet). */
export type BuiltServer = Omit<RunningServer, 'url' | 'port'>

/**
 * @internal serve() without the listener, for connections that reach the server otherwise
 * (handed over by the affinity primary). `ended`, if given, is awaited on close after the
 * drain: a server that never listened cannot wait for its connections itself.
 */
export function buildServer(
  app: App,
  options: ServeOptions,
  ended?: (timeout: number) => Promise<void>,
): BuiltServer {
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
  const server = withLingeringClose(
    createServer(
      { headersTimeout, requestTimeout, connectionsCheckingInterval: CHECK_INTERVAL },
      (req, res) => {
        drain.track(req, res)
        deadline.track(res)
        if (log !== undefined) log(req, res)
        listener(req, res)
      },
    ),
  )
  server.keepAliveTimeout = ms('keepAliveTimeout')
  server.on('upgrade', toUpgradeListener(app, listenerOptions))
  const drain = new Drain(server)

  let closing: Promise<void> | undefined
  let markClosed: () => void = () => {}
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve
  })
  const close = () => {
    closing ??= (async () => {
      try {
        const start = performance.now()
        await drain.close(shutdownTimeout)
        await ended?.(Math.max(0, shutdownTimeout - (performance.now() - start)))
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
  return { server, close, closed }
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

// The public shapes of apps and of what dispatchers expose. Types only: this file imports
// nothing at run time, so every layer can use it.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

/** `(req, res) => void`: Express, `koa.callback()`, any `http.createServer` listener. */
// biome-ignore lint/suspicious/noExplicitAny: Express and friends declare their own req/res types
export type NodeHandler = (req: any, res: any, ...rest: any[]) => unknown

/** `(req, res, next) => void`: Connect middleware, `express.static`, `express.Router()`. */
export type ConnectMiddleware = (
  // biome-ignore lint/suspicious/noExplicitAny: frameworks declare their own req/res types
  req: any,
  // biome-ignore lint/suspicious/noExplicitAny: frameworks declare their own req/res types
  res: any,
  next: (error?: unknown) => void,
) => unknown

/** `(request, ...rest) => Response`: `hono.fetch`, Elysia, itty-router, Workers-style handlers. */
// biome-ignore lint/suspicious/noExplicitAny: Fetch apps type their extra arguments freely
export type FetchHandler = (request: Request, ...rest: any[]) => Response | Promise<Response>

/** An object with a `fetch` method: a Hono or Elysia instance, a `{ fetch }` module. */
export interface FetchApp {
  fetch: FetchHandler
  /** Optional: takes this app's upgrade (WebSocket) requests. */
  upgrade?: UpgradeHandler
}

/**
 * Takes over an upgrade request (WebSocket): the `server.on('upgrade')` signature, with
 * `req.url` rewritten as for HTTP. It owns the socket from then on; a throw or rejection
 * before anything was written answers 500.
 */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => unknown

/** A Node server that is not listening: requests arrive by `server.emit('request', …)`. */
export type NodeServer = Server

/** A route inside a mounted app (Express, Hono, Fastify): its methods and path. */
export interface AppRoute {
  methods: string[]
  path: string
}

/** A node of the dispatch tree, as `switchyard routes` prints it. */
export interface RouteNode {
  kind: string
  label: string
  /** The routes inside the app where its framework exposes them, relative to its mount. */
  routes?: AppRoute[]
  children?: Array<{ match: string; node: RouteNode }>
}

/**
 * What every dispatcher is: an app (a Fetch app to any runtime, a Node app to the Node
 * entry), a routes tree, and a close() that disposes its lazily created instances.
 */
export interface Dispatcher {
  /** Bound, so `{ fetch: app.fetch }` and `export default { fetch: app.fetch }` work. */
  readonly fetch: (request: Request, ...rest: unknown[]) => Promise<Response>
  /** The dispatch tree below this dispatcher. */
  routes(): RouteNode
  /**
   * Disposes every lazily created instance below this dispatcher (after its in-flight
   * requests finish). Servers call it when they shut down.
   */
  close(): Promise<void>
}

/** A Koa app, mounted as it is: switchyard makes its callback() on the first request. */
export interface KoaApp {
  callback(): NodeHandler
  // biome-ignore lint/suspicious/noExplicitAny: Koa types its middleware itself
  use(middleware: any): unknown
  context: object
  middleware: unknown[]
}

/** A Fastify instance, mounted as it is: switchyard awaits its ready() before serving. */
export interface FastifyApp {
  server: NodeServer
  ready(): PromiseLike<unknown>
  // biome-ignore lint/suspicious/noExplicitAny: Fastify types its hooks and handlers itself
  setErrorHandler(handler: any): unknown
  // biome-ignore lint/suspicious/noExplicitAny: Fastify types its hooks and handlers itself
  addHook(...args: any[]): unknown
  close(): PromiseLike<unknown>
}

/** Anything switchyard can dispatch to. */
export type App =
  | NodeHandler
  | FetchHandler
  | FetchApp
  | NodeServer
  | KoaApp
  | FastifyApp
  | Dispatcher

/** The read-only view of a request that key functions (`lazy`) get. */
export interface RequestView {
  readonly method: string
  /** The path still to be dispatched (normalized). */
  readonly path: string
  /**
   * The normalized host name (lower-case, no port, no trailing dot; `[::1]` for IPv6),
   * from X-Forwarded-Host when the proxy is trusted, else `:authority` or Host.
   */
  readonly host: string
  /** A request header (case-insensitive name); repeated headers are joined with ", ". */
  header(name: string): string | undefined
}

/** How the request was dispatched, as the leaf app sees it (`mountInfo()`). */
export interface MountInfo {
  /** The prefix dispatchers consumed (WSGI's SCRIPT_NAME); '' at the root. */
  basePath: string
  /** The rest the app sees (WSGI's PATH_INFO); '/' for an exact prefix hit. */
  path: string
  /** The request target as the client sent it. */
  originalUrl: string
  /** Host pattern captures (`{tenant}.example.com`). */
  params: Readonly<Record<string, string>>
  /** The key of the lazily created instance serving the request, if any. */
  key: string | undefined
}

/** What an entry is told when an app, a factory or a dispose fails. */
export interface ErrorContext {
  method: string
  url: string
}

export type ErrorReporter = (error: unknown, context: ErrorContext) => void

/** Node types the Node half uses, re-exported so callers need not import node:http. */
export type { IncomingMessage, ServerResponse }

/** Requests answered, by status class (1xx: upgrades handed to an app). */
export interface StatusCounts {
  /** The client left before an answer started. */
  aborted: number
  '1xx': number
  '2xx': number
  '3xx': number
  '4xx': number
  '5xx': number
}

/** What a lazy dispatcher's instance cache has done, and holds now. */
export interface LazyMetrics {
  /** Requests served by a live instance. */
  hits: number
  /** Requests that found none: a creation started or joined, or a remembered miss. */
  misses: number
  /** Factory calls that gave an instance. */
  creations: number
  /** Factory calls that threw, rejected or timed out. */
  factoryErrors: number
  /** Time spent in successful factory calls: count, sum, cumulative counts per `le`. */
  creationSeconds: { count: number; sum: number; buckets: Array<[le: number, count: number]> }
  /** Instances evicted, by reason (`close`: the server shut down). */
  evictions: { lru: number; idle: number; invalidate: number; close: number }
  /** Instances in the cache. */
  live: number
  /** Evicted while in flight, not yet disposed. */
  draining: number
  /** Factory calls in progress. */
  creating: number
  /** Remembered negative results. */
  negative: number
  max: number
  /** The live instances, most recently used first: the first 200 (`live` counts all). */
  instances: Array<{
    key: string
    age: number
    idle: number
    inFlight: number
    requests: number
    /** The instance's process, when it is a spawned app. */
    process?: ProcessMetrics
  }>
}

/** An upstream app's target and connection pool. */
export interface UpstreamMetrics {
  target: string
  /** Connections open, serving a request, and requests waiting for one. */
  connected: number
  running: number
  pending: number
  /** Requests forwarded and upgrades piped since it was made. */
  requests: number
  upgrades: number
}

/** A spawned app's process. */
export interface ProcessMetrics {
  command: string[]
  pid: number | undefined
  state: string
  ready: boolean
  /** ms since the current process became ready; 0 while not ready. */
  uptime: number
  restarts: number
}

/** A routes() node with the counts of the dispatcher it describes (leaves have none). */
export interface MetricsNode extends RouteNode {
  upstream?: UpstreamMetrics
  process?: ProcessMetrics
  /** Unique in the process while the dispatcher lives: what invalidate() names. */
  id?: number
  requests?: StatusCounts
  lazy?: LazyMetrics
  children?: Array<{ match: string; node: MetricsNode }>
}

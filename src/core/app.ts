// What an "app" is (DESIGN §1): detection happens once, when a dispatcher is built.
import { Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Server as HttpsServer } from 'node:https'
import type { Duplex } from 'node:stream'
import { Dispatcher } from '../dispatch/dispatcher.ts'
import { dispatchFetch } from '../fetch/entry.ts'

/** `(req, res) => void`: Express, Connect, `koa.callback()`, any `http.createServer` listener. */
// biome-ignore lint/suspicious/noExplicitAny: Express and friends declare their own req/res types
export type NodeHandler = (req: any, res: any, ...rest: any[]) => unknown
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

/** Anything switchyard can dispatch to. */
export type App = NodeHandler | FetchHandler | FetchApp | HttpServer | HttpsServer | Dispatcher

type LeafKind = 'node' | 'server' | 'fetch' | 'builtin'

/**
 * A classified app, ready to be invoked by either entry. Built-ins (notFound, error
 * responses) carry both a Node and a Fetch implementation, so neither entry bridges them.
 */
export class Leaf {
  /** @internal */ readonly _kind: LeafKind
  /** @internal */ readonly _node:
    | ((req: IncomingMessage, res: ServerResponse) => unknown)
    | undefined
  /** @internal */ readonly _fetch: FetchHandler | undefined
  /** @internal */ readonly _server: HttpServer | undefined
  /** @internal A fixed label (built-ins); others are named after their source. */
  readonly _fixedLabel: string | undefined
  /** @internal Declared upgrade handler; servers get upgrades by `emit` without one. */
  readonly _upgrade: UpgradeHandler | undefined
  /** @internal The object the user gave, for dispose hooks and events. */
  _source: unknown = undefined

  constructor(
    kind: LeafKind,
    label: string | undefined,
    node?: NodeHandler,
    fetch?: FetchHandler,
    server?: HttpServer,
    upgrade?: UpgradeHandler,
  ) {
    this._kind = kind
    this._fixedLabel = label
    this._node = node
    this._fetch = fetch
    this._server = server
    this._upgrade = upgrade
  }

  /** @internal For routes and logs; computed on demand, so instances stay small. */
  get _label(): string {
    return (
      this._fixedLabel ??
      (this._source === undefined ? this._kind : labelOf(this._source as object))
    )
  }

  /**
   * Every app switchyard hands out answers Fetch requests too. A method, not a bound
   * property (per-tenant leaves stay small); dispatchers' `fetch` is bound.
   */
  fetch(request: Request, ...rest: unknown[]): Promise<Response> {
    return dispatchFetch(this, request, rest)
  }
}

/** Marks a function as a Node handler, whatever its declared arity. */
export function node(handler: NodeHandler): Leaf {
  if (typeof handler !== 'function') throw new TypeError('node(): expected a function')
  return new Leaf('node', labelOf(handler), handler)
}

/** Marks a function as a Fetch handler, whatever its declared arity. */
export function fetchApp(handler: FetchHandler): Leaf {
  if (typeof handler !== 'function') throw new TypeError('fetchApp(): expected a function')
  return new Leaf('fetch', labelOf(handler), undefined, handler)
}

/**
 * `app` for HTTP, `handler` for upgrades: e.g. a `ws` `WebSocketServer({ noServer: true })`
 * as `(req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))`.
 * Dispose hooks and events see `app`.
 */
export function withUpgrade(app: App, handler: UpgradeHandler): Leaf {
  if (typeof handler !== 'function')
    throw new TypeError('withUpgrade(): expected a handler function')
  const target = toTarget(app, 'withUpgrade()')
  // A dispatcher resolves further; the upgrade belongs on the app it leads to.
  if (target instanceof Dispatcher)
    throw new TypeError('withUpgrade(): expected an app, got a dispatcher')
  const leaf = new Leaf(
    target._kind,
    target._label,
    target._node,
    target._fetch,
    target._server,
    handler,
  )
  leaf._source = sourceOf(target)
  return leaf
}

/** What dispatchers hold: a leaf, or another dispatcher to resolve further. */
export type Target = Leaf | Dispatcher

/**
 * Classifies an app once, when a dispatcher is built. Unclassifiable input is a TypeError
 * here rather than a 500 at request time.
 */
export function toTarget(app: unknown, context: string): Target {
  if (app instanceof Leaf || app instanceof Dispatcher) return app
  const leaf = classify(app, context)
  leaf._source = app
  return leaf
}

/** The app as the user gave it. */
export function sourceOf(target: Target): unknown {
  return target instanceof Leaf && target._source !== undefined ? target._source : target
}

function classify(app: unknown, context: string): Leaf {
  if (typeof app === 'function') {
    // Node handlers declare (req, res[, next]); Fetch handlers (request) or (...args).
    const upgrade = upgradeOf(app)
    return app.length >= 2
      ? new Leaf('node', undefined, app as NodeHandler, undefined, undefined, upgrade)
      : new Leaf('fetch', undefined, undefined, app as FetchHandler, undefined, upgrade)
  }
  if (app instanceof HttpServer || app instanceof HttpsServer) {
    if (app.listening) {
      throw new TypeError(`${context}: the server is already listening; pass one that is not`)
    }
    return new Leaf('server', 'http.Server', undefined, undefined, app)
  }
  if (typeof app === 'object' && app !== null) {
    const fetch = (app as Partial<FetchApp>).fetch
    if (typeof fetch === 'function')
      return new Leaf('fetch', labelOf(app), undefined, fetch.bind(app), undefined, upgradeOf(app))
    throw new TypeError(`${context}: ${describeObject(app)}`)
  }
  throw new TypeError(
    `${context}: expected an app (Node handler, Fetch handler or app, http.Server or dispatcher), got ${app === null ? 'null' : typeof app}`,
  )
}

// Apps declare upgrade support with an `upgrade(req, socket, head)` method (`{ fetch, upgrade }`,
// or a handler function with an `.upgrade` property).
function upgradeOf(app: object): UpgradeHandler | undefined {
  const upgrade = (app as { upgrade?: unknown }).upgrade
  return typeof upgrade === 'function' ? (upgrade.bind(app) as UpgradeHandler) : undefined
}

// Point at the usual mistakes with framework objects.
function describeObject(app: object): string {
  const candidate = app as { server?: unknown; callback?: unknown }
  if (candidate.server instanceof HttpServer) {
    return 'got an object with a `.server` (Fastify?): pass `app.server` after `await app.ready()`'
  }
  if (typeof candidate.callback === 'function') {
    return 'got an object with a `.callback()` (Koa?): pass `app.callback()`'
  }
  return 'expected an app (Node handler, Fetch handler or app, http.Server or dispatcher), got an object without a fetch method'
}

function labelOf(app: object): string {
  if (typeof app === 'function') return app.name ? `${app.name}()` : 'function'
  const name = app.constructor?.name
  return name && name !== 'Object' ? name : 'fetch app'
}

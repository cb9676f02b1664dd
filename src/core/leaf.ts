// What an app is (DESIGN §1), classified once when a dispatcher is built into one of the
// leaf kinds (leaf-kinds.ts). Leaves and dispatchers cross package copies (a
// global CLI serving an app built with a local copy), so their shapes are a protocol:
// fields are added, never renamed, and DISPATCHER's value says which version is spoken.
import { appRoutes } from './app-routes.ts'
import type { DispatchContext } from './context.ts'
import { isFastify, isKoa, koaLeaf, startFastify } from './frameworks.ts'
import type { FetchLeaf, Leaf, StatusLeaf } from './leaf-kinds.ts'
import type { DispatcherStats } from './stats.ts'
import type {
  ConnectMiddleware,
  Dispatcher,
  FetchApp,
  FetchHandler,
  MetricsNode,
  NodeHandler,
  NodeServer,
  UpgradeHandler,
} from './types.ts'

export type * from './leaf-kinds.ts'

/** The brand every dispatcher carries; its value is the protocol version. */
export const DISPATCHER = Symbol.for('switchyard.dispatcher')
const PROTOCOL = 1

/** notFound()'s leaf, and what Connect's final `next()` answers. */
export const NOT_FOUND: StatusLeaf = Object.freeze({
  kind: 'status',
  status: 404,
  text: 'Not Found',
  source: undefined,
  upgrade: undefined,
})

/** A dispatcher as other layers (and other copies of switchyard) see it. @internal */
export interface DispatcherNode extends Dispatcher {
  readonly [DISPATCHER]: number
  /**
   * Resolves the request to one leaf, updating `ctx` (base path, rest, params, key, leases).
   * Synchronous whenever no instance has to be created.
   */
  _resolve(ctx: DispatchContext): Leaf | Promise<Leaf>
  /** The targets it holds, for close() and routes(). */
  _children(): Iterable<Target>
  /** Set on dispatchers that wrap one app (node(), fetchApp(), notFound()): nests as that leaf. */
  readonly _leaf?: Leaf
  /** Its request counts (absent on copies of switchyard that predate them). */
  readonly _stats?: DispatcherStats
  /** routes(), with counts if `metrics` (absent on copies that predate them). */
  _tree?(metrics: boolean): MetricsNode
  /** Set on apps that start before serving: resolves once they serve (lazy creation waits). */
  _ready?(): Promise<void>
}

/** What dispatchers hold: a leaf, or another dispatcher to resolve further. */
export type Target = Leaf | DispatcherNode

export function isDispatcher(value: unknown): value is DispatcherNode {
  return typeof value === 'object' && value !== null && DISPATCHER in value
}

/** Resolves a target one step: leaves are final, dispatchers resolve further. */
export function resolve(target: Target, ctx: DispatchContext): Leaf | Promise<Leaf> {
  if (!(DISPATCHER in target)) return target
  if (target._stats !== undefined) ctx.pass(target._stats)
  return target._resolve(ctx)
}

/** The request counts of a target that is a dispatcher. */
export function statsOf(target: Target): DispatcherStats | undefined {
  return DISPATCHER in target ? target._stats : undefined
}

/**
 * Classifies an app once, when a dispatcher is built. Unclassifiable input is a TypeError
 * here, naming the fix, rather than a 500 at request time.
 */
export function toTarget(app: unknown, context: string): Target {
  if (isDispatcher(app)) {
    const version = app[DISPATCHER]
    if (version !== PROTOCOL) {
      throw new TypeError(
        `${context}: a dispatcher from an incompatible copy of switchyard (protocol ${String(version)}, this copy speaks ${PROTOCOL}); install one version`,
      )
    }
    return app._leaf ?? app
  }
  if (typeof app === 'object' && app !== null && isFastify(app)) {
    if (starter === undefined) {
      throw new TypeError(
        `${context}: a Fastify instance is served inside a dispatcher: mount(app)`,
      )
    }
    return starter(
      app,
      () => startFastify(app),
      () => app.close(),
    )
  }
  return classify(app, context)
}

/** Makes an app that must start before serving into a dispatcher (the dispatch layer's). */
export type Starter = (
  app: object,
  start: () => Promise<Leaf>,
  stop: () => Promise<unknown>,
) => Target

let starter: Starter | undefined

/** @internal Installed by dispatch/dispatcher.ts, which every dispatcher imports. */
export function installStarter(make: Starter): void {
  starter = make
}

/** Classifies a function the way node() does: arity 3 gets a final `next`. */
export function nodeLeaf(handler: NodeHandler, source: unknown = handler): Leaf {
  if (handler.length === 4) {
    throw new TypeError(
      'expected a Node handler, got a function of four parameters (an Express error handler?): use it inside an Express app with app.use()',
    )
  }
  const upgrade = upgradeOf(handler)
  return handler.length === 3
    ? { kind: 'connect', handler: handler as ConnectMiddleware, source, upgrade }
    : { kind: 'node', handler, source, upgrade }
}

export function fetchLeaf(handler: FetchHandler, source: unknown = handler): FetchLeaf {
  return { kind: 'fetch', handler, source, upgrade: upgradeOf(handler) }
}

function classify(app: unknown, context: string): Leaf {
  if (typeof app === 'function') {
    // Node handlers declare (req, res[, next]); Fetch handlers (request) or (...args).
    try {
      return app.length >= 2 ? nodeLeaf(app as NodeHandler) : fetchLeaf(app as FetchHandler)
    } catch (error) {
      throw new TypeError(`${context}: ${(error as Error).message}`)
    }
  }
  if (typeof app === 'object' && app !== null) {
    if (isKoa(app)) return koaLeaf(app)
    if (isNodeServer(app)) {
      if (app.listening) {
        throw new TypeError(`${context}: the server is already listening; pass one that is not`)
      }
      return { kind: 'server', server: app, source: app, upgrade: undefined }
    }
    const fetch = (app as Partial<FetchApp>).fetch
    if (typeof fetch === 'function') {
      return { kind: 'fetch', handler: fetch.bind(app), source: app, upgrade: upgradeOf(app) }
    }
    throw new TypeError(`${context}: ${describeObject(app)}`)
  }
  throw new TypeError(
    `${context}: expected an app (Node handler, Connect middleware, Fetch handler or app, http.Server or dispatcher), got ${app === null ? 'null' : typeof app}`,
  )
}

// An http(s).Server, recognised by shape so that the root entry needs no node:http.
function isNodeServer(app: object): app is NodeServer {
  const s = app as Partial<NodeServer>
  return (
    typeof s.listen === 'function' &&
    typeof s.emit === 'function' &&
    typeof s.address === 'function' &&
    typeof s.listening === 'boolean'
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
  if (typeof candidate.server === 'object' && candidate.server !== null) {
    if (isNodeServer(candidate.server)) {
      return 'got an object with a `.server` (Fastify?): pass `app.server` after `await app.ready()`'
    }
  }
  if (typeof candidate.callback === 'function') {
    return 'got an object with a `.callback()` (Koa?): pass `app.callback()`'
  }
  return 'expected an app (Node handler, Fetch handler or app, http.Server or dispatcher), got an object without a fetch method'
}

/** What releases a target's resources: a dispatcher's close(), or a leaf's (an upstream's pool). */
export function closeOf(target: Target): (() => Promise<void>) | undefined {
  if (DISPATCHER in target) return () => target.close()
  return target.close
}

/** The app as the user gave it: a leaf's source, or the dispatcher itself. */
export function sourceOf(target: Target): unknown {
  return DISPATCHER in target ? target : target.source
}

/** For routes and logs; computed on demand, so per-tenant leaves stay small. */
export function labelOf(leaf: Leaf): string {
  if (leaf.kind === 'status') return `${leaf.status} ${leaf.text}`
  if (leaf.kind === 'server') return 'http.Server'
  if (leaf.kind === 'proxy') return leaf.label
  const app = leaf.source
  if (typeof app === 'function') return app.name ? `${app.name}()` : 'function'
  const name = (app as object | null)?.constructor?.name
  return name && name !== 'Object' ? name : 'fetch app'
}

/** The routes() node of a target; with `metrics`, dispatchers' nodes carry their counts. */
export function describeTarget(target: Target, metrics = false): MetricsNode {
  if (!(DISPATCHER in target)) {
    const node: MetricsNode = { kind: target.kind, label: labelOf(target) }
    const routes = metrics ? undefined : appRoutes(target.source)
    if (routes !== undefined) node.routes = routes
    if (metrics && target.kind === 'proxy') node.upstream = target.metrics()
    return node
  }
  return metrics && target._tree !== undefined ? target._tree(true) : target.routes()
}

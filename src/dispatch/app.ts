// node(), fetchApp(), withUpgrade(): one app, classified explicitly. Each is a dispatcher
// of one leaf, so it is an app to both entries and nests as the leaf itself.
import { appRoutes } from '../core/app-routes.ts'
import { type FetchLeaf, fetchLeaf, type Leaf, nodeLeaf, toTarget } from '../core/leaf.ts'
import type {
  App,
  Dispatcher,
  FetchHandler,
  MetricsNode,
  NodeHandler,
  UpgradeHandler,
} from '../core/types.ts'
import { BaseDispatcher } from './dispatcher.ts'

/** @internal */
export class AppDispatcher extends BaseDispatcher {
  /** @internal */
  readonly _leaf: Leaf

  constructor(leaf: Leaf) {
    super()
    this._leaf = leaf
  }

  _resolve(): Leaf {
    return this._leaf
  }

  _children(): [] {
    return []
  }

  _tree(metrics = false): MetricsNode {
    const node: MetricsNode = { kind: this._leaf.kind, label: labelFor(this._leaf) }
    // As describeTarget() does for the leaf: routes in routes(), not in every metrics read.
    const routes = metrics ? undefined : appRoutes(this._leaf.source)
    if (routes !== undefined) node.routes = routes
    return node
  }
}

function labelFor(leaf: Leaf): string {
  if (leaf.kind === 'status') return `${leaf.status} ${leaf.text}`
  const source = leaf.source
  return typeof source === 'function' && source.name ? `${source.name}()` : leaf.kind
}

/**
 * Marks a function as a Node handler, whatever its declared arity; one declaring three
 * parameters `(req, res, next)` is Connect middleware and gets a final `next`.
 */
export function node(handler: NodeHandler): Dispatcher {
  if (typeof handler !== 'function') throw new TypeError('node(): expected a function')
  try {
    return new AppDispatcher(nodeLeaf(handler))
  } catch (error) {
    throw new TypeError(`node(): ${(error as Error).message}`)
  }
}

/** Marks a function as a Fetch handler, whatever its arity (`(request, env, ctx)` Workers). */
export function fetchApp(handler: FetchHandler): Dispatcher {
  if (typeof handler !== 'function') throw new TypeError('fetchApp(): expected a function')
  return new AppDispatcher(fetchLeaf(handler) satisfies FetchLeaf)
}

/**
 * `app` for HTTP, `handler` for upgrades: e.g. a `ws` `WebSocketServer({ noServer: true })`
 * as `(req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))`.
 * Dispose hooks and events see `app`.
 */
export function withUpgrade(app: App, handler: UpgradeHandler): Dispatcher {
  if (typeof handler !== 'function')
    throw new TypeError('withUpgrade(): expected a handler function')
  const target = toTarget(app, 'withUpgrade()')
  // A dispatcher resolves further; the upgrade belongs on the app it leads to.
  if (!('kind' in target)) throw new TypeError('withUpgrade(): expected an app, got a dispatcher')
  return new AppDispatcher({ ...target, upgrade: handler })
}

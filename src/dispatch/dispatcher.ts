// The base every dispatcher extends: it resolves, and is a Fetch app through the Fetch entry.

import { appRoutes } from '../core/app-routes.ts'
import type { DispatchContext } from '../core/context.ts'
import { HttpError } from '../core/errors.ts'
import {
  closeOf,
  DISPATCHER,
  type DispatcherNode,
  installStarter,
  type Leaf,
  type Target,
} from '../core/leaf.ts'
import { DispatcherStats } from '../core/stats.ts'
import type { MetricsNode, RouteNode } from '../core/types.ts'
import { dispatchFetch } from '../entry/fetch.ts'

export abstract class BaseDispatcher implements DispatcherNode {
  /** @internal */
  readonly [DISPATCHER] = 1

  /** @internal Requests through it by status class, and its id. */
  readonly _stats = new DispatcherStats()

  /** @internal */
  abstract _resolve(ctx: DispatchContext): Leaf | Promise<Leaf>

  /** The dispatch tree below this dispatcher. */
  routes(): RouteNode {
    return this._tree(false)
  }

  /** @internal The tree; with `metrics`, every dispatcher's node carries its counts. */
  abstract _tree(metrics: boolean): MetricsNode

  /** @internal A node of the tree, with this dispatcher's counts if asked. */
  protected _node(
    kind: string,
    label: string,
    children: MetricsNode['children'],
    metrics: boolean,
  ): MetricsNode {
    if (!metrics) return { kind, label, children }
    const s = this._stats
    const requests = {
      aborted: s.c0,
      '1xx': s.c1,
      '2xx': s.c2,
      '3xx': s.c3,
      '4xx': s.c4,
      '5xx': s.c5,
    }
    return { kind, label, id: s.id, requests, children }
  }

  /** @internal */
  abstract _children(): Iterable<Target>

  /**
   * Disposes every lazily created instance below this dispatcher (after its in-flight
   * requests finish). Servers call it when they shut down.
   */
  async close(): Promise<void> {
    const closing: Promise<void>[] = []
    for (const child of this._children()) {
      const close = closeOf(child)
      if (close !== undefined) closing.push(close())
    }
    await Promise.all(closing)
  }

  /** Every dispatcher is a Fetch app; bound, so `{ fetch: app.fetch }` works. */
  readonly fetch = (request: Request, ...rest: unknown[]): Promise<Response> =>
    dispatchFetch(this, request, rest)
}

/**
 * @internal An app that must start before it serves (a Fastify instance's ready()): the
 * first requests wait for the start, later ones resolve synchronously. A failed start
 * answers 503 and is tried again by the next request.
 */
export class StartedApp extends BaseDispatcher {
  readonly #app: object
  readonly #start: () => Promise<Leaf>
  readonly #stop: () => Promise<unknown>
  #leaf: Leaf | undefined = undefined
  #starting: Promise<Leaf> | undefined = undefined

  constructor(app: object, start: () => Promise<Leaf>, stop: () => Promise<unknown>) {
    super()
    this.#app = app
    this.#start = start
    this.#stop = stop
  }

  _resolve(): Leaf | Promise<Leaf> {
    return this.#leaf ?? this.#started()
  }

  /** @internal Resolves once it serves: a lazy creation waits for it. */
  async _ready(): Promise<void> {
    await this.#started()
  }

  #started(): Promise<Leaf> {
    this.#starting ??= this.#start().then(
      (leaf) => {
        this.#leaf = leaf
        return leaf
      },
      (error: unknown) => {
        this.#starting = undefined
        throw new HttpError(503, 'Service Unavailable', { cause: error })
      },
    )
    return this.#starting
  }

  _children(): [] {
    return []
  }

  _tree(metrics: boolean): MetricsNode {
    const node = this._node('server', labelOf(this.#app), undefined, metrics)
    const routes = metrics ? undefined : appRoutes(this.#app)
    if (routes !== undefined) node.routes = routes
    return node
  }

  override async close(): Promise<void> {
    if (this.#starting === undefined) return
    await this.#starting.catch(() => undefined)
    await this.#stop()
  }
}

installStarter((app, start, stop) => new StartedApp(app, start, stop))

function labelOf(app: object): string {
  const name = app.constructor?.name
  return name && name !== 'Object' ? name : 'Fastify'
}

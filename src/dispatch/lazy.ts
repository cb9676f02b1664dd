// lazy(): one instance per key, created on first use and kept in a bounded cache.
// subdomains() and paths() are thin layers over it.

import {
  type InstanceCache as Cache,
  CacheBusyError,
  type CacheOptions,
  InstanceCache,
  type InstanceInfo,
  type Lease,
} from '../cache/cache.ts'
import type { DispatchContext } from '../core/context.ts'
import { HttpError } from '../core/errors.ts'
import {
  closeOf,
  describeTarget,
  isDispatcher,
  type Leaf,
  NOT_FOUND,
  resolve,
  sourceOf,
  type Target,
  toTarget,
} from '../core/leaf.ts'
import type { App, MetricsNode, ProcessMetrics, RequestView } from '../core/types.ts'
import { BaseDispatcher } from './dispatcher.ts'
import { lazyMetrics } from './lazy-metrics.ts'

/** Creates the app for a key; `null`/`undefined` means "no such key" (the fallback answers). */
export type AppFactory = (
  key: string,
  request: RequestView,
) => App | null | undefined | Promise<App | null | undefined>

export interface LazyOptions extends Omit<CacheOptions<never>, 'dispose'> {
  /** Answers requests without a key or whose factory gave null; default notFound(). */
  fallback?: App | null
  /** Called once per instance when it leaves the cache, after its in-flight requests. */
  dispose?: (app: App, key: string) => unknown
}

export type LazyEvent = 'create' | 'evict' | 'error'

/** How a lazy dispatcher finds its key and what it does around it. @internal */
export interface KeyRule {
  kind: string
  label: string
  /** How keys look, for routes(): `{key}.example.com`, `/{key}`. */
  keyPattern: string
  key(ctx: DispatchContext): string | null | undefined
  /** Runs on a hit, before the instance resolves (paths: shift the segment into the base). */
  enter?(ctx: DispatchContext, key: string): void
  /** Where requests go when there is no key. */
  fallback(ctx: DispatchContext): Target
  /** Where requests go when the factory gives null for the key. */
  missing: Target
  /** The fixed targets besides the instances, for routes() and close(). */
  extra: Array<{ match: string; target: Target }>
}

/** Instances listed in metrics (the most recently used); `live` counts them all. */
const LISTED = 200

export class LazyDispatcher extends BaseDispatcher {
  readonly #rule: KeyRule
  readonly #cache: Cache<Target, DispatchContext>
  readonly #listeners = new Map<(...args: never[]) => void, (...args: never[]) => void>()

  /** @internal */
  constructor(rule: KeyRule, create: AppFactory, options: LazyOptions, context: string) {
    super()
    if (typeof create !== 'function') throw new TypeError(`${context}: create must be a function`)
    this.#rule = rule
    const dispose = options.dispose
    this.#cache = new InstanceCache<Target, DispatchContext>(
      async (key, ctx) => {
        const app = await create(key, ctx)
        if (app === null || app === undefined) return null
        const target = toTarget(app, `${context} factory for "${key}"`)
        // An app that starts (a spawned process, a Fastify instance) is created once it
        // serves, so single flight, maxCreating and createTimeout cover its start.
        if (isDispatcher(target) && target._ready !== undefined) {
          try {
            await target._ready()
          } catch (error) {
            await closeOf(target)?.()
            throw error
          }
        }
        return target
      },
      {
        max: options.max,
        maxMisses: options.maxMisses,
        maxCreating: options.maxCreating,
        idleTimeout: options.idleTimeout,
        negativeTtl: options.negativeTtl,
        createTimeout: options.createTimeout,
        // The user's dispose runs at once for a plain app (invalidate() is synchronous to
        // observe), after close() for one that holds resources (a process, a pool).
        dispose: (target, key) => {
          const close = closeOf(target)
          if (close === undefined) return dispose?.(sourceOf(target) as App, key)
          return close().then(() => dispose?.(sourceOf(target) as App, key))
        },
      },
      context,
    )
  }

  _resolve(ctx: DispatchContext): Leaf | Promise<Leaf> {
    const key = this.#rule.key(ctx)
    if (key === null || key === undefined) return resolve(this.#rule.fallback(ctx), ctx)
    if (typeof key !== 'string') throw new TypeError(`${this.#rule.kind}: the key must be a string`)
    let acquired: ReturnType<Cache<Target, DispatchContext>['acquire']>
    try {
      acquired = this.#cache.acquire(key, ctx)
    } catch (error) {
      // Too many creations at once: the client may try again shortly.
      if (!(error instanceof CacheBusyError)) throw error
      throw new HttpError(503, 'Service Unavailable', {
        cause: error,
        logged: true,
        headers: { 'retry-after': String(error.retryAfter) },
      })
    }
    if (acquired instanceof Promise) {
      return acquired.then(
        (lease) => this.#enter(lease, key, ctx),
        (error) => {
          throw new HttpError(503, 'Service Unavailable', { cause: error, logged: true })
        },
      )
    }
    return this.#enter(acquired, key, ctx)
  }

  #enter(lease: Lease<Target> | null, key: string, ctx: DispatchContext): Leaf | Promise<Leaf> {
    if (lease === null) return resolve(this.#rule.missing, ctx)
    ctx.lease(lease)
    ctx.key = key
    this.#rule.enter?.(ctx, key)
    return resolve(lease.instance, ctx)
  }

  /** Swaps the key's instance gracefully: in-flight requests finish on the old one. */
  invalidate(key: string): boolean {
    return this.#cache.invalidate(key)
  }

  /** Swaps every instance gracefully; how many there were. */
  invalidateAll(): number {
    let swapped = 0
    for (const { key } of this.#cache.instances()) if (this.#cache.invalidate(key)) swapped++
    return swapped
  }

  /** A snapshot of the live instances. */
  instances(): InstanceInfo[] {
    return this.#cache.instances()
  }

  /** `create (key, app)`, `evict (key, app, reason)`, `error (error, key, phase)`. */
  on(event: LazyEvent, listener: (...args: never[]) => void): this {
    const wrapped = (...args: unknown[]) => {
      if (event !== 'error') args[1] = sourceOf(args[1] as Target)
      ;(listener as (...args: unknown[]) => void)(...args)
    }
    this.#listeners.set(listener, wrapped)
    this.#cache.on(event, wrapped as never)
    return this
  }

  off(event: LazyEvent, listener: (...args: never[]) => void): this {
    const wrapped = this.#listeners.get(listener)
    if (wrapped !== undefined) this.#cache.off(event, wrapped as never)
    this.#listeners.delete(listener)
    return this
  }

  _children(): Iterable<Target> {
    return this.#rule.extra.map((entry) => entry.target)
  }

  override async close(): Promise<void> {
    await Promise.all([this.#cache.close(), super.close()])
  }

  _tree(metrics: boolean): MetricsNode {
    // The most recently used only: a tree with 100,000 tenants stays cheap to read.
    const instances = this.#cache.instances(metrics ? LISTED : 21, metrics ? processOf : undefined)
    const keys = instances.slice(0, 20).map((info) => info.key)
    const live = keys.length === 0 ? 'none live' : `live: ${keys.join(', ')}`
    const children: NonNullable<MetricsNode['children']> = [
      {
        match: this.#rule.keyPattern,
        node: {
          kind: 'factory',
          label: `create(key), ${live}${instances.length > 20 ? ', …' : ''}`,
        },
      },
    ]
    // One line per fixed target, however many roles it plays (apex and fallback, say).
    const byTarget = new Map<Target, string[]>()
    for (const { match, target } of this.#rule.extra) {
      byTarget.set(target, [...(byTarget.get(target) ?? []), match])
    }
    for (const [target, matches] of byTarget) {
      children.push({ match: matches.join(', '), node: describeTarget(target, metrics) })
    }
    const node = this._node(this.#rule.kind, this.#rule.label, children, metrics)
    if (metrics) node.lazy = lazyMetrics(this.#cache, instances)
    return node
  }
}

/**
 * The general form: `lazy((r) => r.header('x-tenant') ?? null, createApp, { fallback })`.
 * The key function sees a read-only view of the request (`host`, `path`, `method`,
 * `header()`); no key or a null instance goes to `fallback` (default: 404).
 */
export function lazy(
  key: (request: RequestView) => string | null | undefined,
  create: AppFactory,
  options: LazyOptions = {},
): LazyDispatcher {
  if (typeof key !== 'function') throw new TypeError('lazy(): key must be a function')
  const fallback =
    options.fallback == null ? NOT_FOUND : toTarget(options.fallback, 'lazy() fallback')
  return new LazyDispatcher(
    {
      kind: 'lazy',
      label: 'lazy',
      keyPattern: '{key}',
      key,
      fallback: () => fallback,
      missing: fallback,
      extra: [{ match: '(no key, or no instance)', target: fallback }],
    },
    create,
    options,
    'lazy()',
  )
}

// A spawned app's process, for the instance list of the dashboards.
function processOf(target: Target): ProcessMetrics | undefined {
  return isDispatcher(target) ? target._tree?.(true).process : undefined
}

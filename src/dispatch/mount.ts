// mount(): werkzeug's DispatcherMiddleware. Longest prefix wins, at segment boundaries.

import type { DispatchContext } from '../core/context.ts'
import {
  describeTarget,
  type Leaf,
  NOT_FOUND,
  resolve,
  type Target,
  toTarget,
} from '../core/leaf.ts'
import type { App, Dispatcher, RouteNode } from '../core/types.ts'
import { canonicalPrefix, restUnder } from '../parse/path.ts'
import { BaseDispatcher } from './dispatcher.ts'

export type Mounts = Record<string, App> | Iterable<readonly [string, App]>

class MountDispatcher extends BaseDispatcher {
  readonly #fallback: Target
  // Longest first, so the first match is the longest prefix.
  readonly #prefixes: string[]
  readonly #targets: Target[]

  constructor(fallback: Target, mounts: Map<string, Target>) {
    super()
    this.#fallback = fallback
    this.#prefixes = [...mounts.keys()].sort((a, b) => b.length - a.length)
    this.#targets = this.#prefixes.map((prefix) => mounts.get(prefix) as Target)
  }

  _resolve(ctx: DispatchContext): Leaf | Promise<Leaf> {
    const path = ctx.path
    const prefixes = this.#prefixes
    for (let i = 0; i < prefixes.length; i++) {
      const prefix = prefixes[i] as string
      const rest = restUnder(path, prefix)
      if (rest !== undefined) {
        ctx.basePath += prefix
        ctx.path = rest
        return resolve(this.#targets[i] as Target, ctx)
      }
    }
    return resolve(this.#fallback, ctx)
  }

  _children(): Iterable<Target> {
    return [...this.#targets, this.#fallback]
  }

  routes(): RouteNode {
    const children = this.#prefixes.map((prefix, i) => ({
      match: prefix,
      node: describeTarget(this.#targets[i] as Target),
    }))
    children.push({ match: '*', node: describeTarget(this.#fallback) })
    return { kind: 'mount', label: 'mount', children }
  }
}

/**
 * Dispatches by path prefix: `mount(frontend, { '/backend': backend })`. The app at the
 * longest matching prefix gets the rest of the path; everything else goes to `defaultApp`
 * (`null` means `notFound()`).
 */
export function mount(defaultApp: App | null, mounts: Mounts = {}): Dispatcher {
  const fallback = defaultApp === null ? NOT_FOUND : toTarget(defaultApp, 'mount() default app')
  const table = new Map<string, Target>()
  const entries = Symbol.iterator in mounts ? mounts : Object.entries(mounts)
  for (const [prefix, app] of entries as Iterable<readonly [string, App]>) {
    const canonical = canonicalPrefix(prefix, 'mount()')
    if (table.has(canonical)) {
      throw new TypeError(`mount(): prefix "${prefix}" is given twice (as "${canonical}")`)
    }
    table.set(canonical, toTarget(app, `mount() app at "${prefix}"`))
  }
  return new MountDispatcher(fallback, table)
}

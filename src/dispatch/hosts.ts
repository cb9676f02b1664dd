// hosts(): dispatch by Host with exact names, `*.example.com`, `{name}.example.com` and `*`.

import type { DispatchContext } from '../core/context.ts'
import {
  describeTarget,
  type Leaf,
  NOT_FOUND,
  resolve,
  type Target,
  toTarget,
} from '../core/leaf.ts'
import type { App, Dispatcher, MetricsNode } from '../core/types.ts'
import { HostTable } from '../parse/host-table.ts'
import { BaseDispatcher } from './dispatcher.ts'

export type HostPatterns = Record<string, App> | Iterable<readonly [string, App]>

class HostsDispatcher extends BaseDispatcher {
  readonly #table: HostTable<Target>
  readonly #fallback: Target

  constructor(table: HostTable<Target>, fallback: Target) {
    super()
    this.#table = table
    this.#fallback = fallback
  }

  _resolve(ctx: DispatchContext): Leaf | Promise<Leaf> {
    const host = ctx.host
    const exact = this.#table.exact(host)
    if (exact !== undefined) return resolve(exact, ctx)
    const match = this.#table.matchPattern(host)
    if (match === undefined) return resolve(this.#fallback, ctx)
    if (match.params !== undefined) {
      ctx.params = ctx.params === undefined ? match.params : { ...ctx.params, ...match.params }
    }
    return resolve(match.value, ctx)
  }

  _children(): Iterable<Target> {
    return [...this.#table.entries().map((entry) => entry.value), this.#fallback]
  }

  _tree(metrics: boolean): MetricsNode {
    const children = this.#table.entries().map((entry) => ({
      match: entry.pattern,
      node: describeTarget(entry.value, metrics),
    }))
    children.push({ match: '(no match)', node: describeTarget(this.#fallback, metrics) })
    return this._node('hosts', 'hosts', children, metrics)
  }
}

/**
 * Dispatches by host name. Exact names beat `{capture}` patterns, which beat `*.` wildcards,
 * which beat `*`; hosts that match nothing go to `fallback` (default: 404). A malformed
 * Host gets 400.
 */
export function hosts(patterns: HostPatterns, fallback: App | null = null): Dispatcher {
  const entries: Array<[string, Target]> = []
  const list = Symbol.iterator in patterns ? patterns : Object.entries(patterns)
  for (const [pattern, app] of list as Iterable<readonly [string, App]>) {
    entries.push([pattern, toTarget(app, `hosts() app for "${pattern}"`)])
  }
  const target = fallback === null ? NOT_FOUND : toTarget(fallback, 'hosts() fallback')
  return new HostsDispatcher(new HostTable(entries, 'hosts()'), target)
}

// mount(): werkzeug's DispatcherMiddleware. Longest prefix wins, at segment boundaries.

import type { DispatchContext } from '../core/context.ts'
import { HttpError } from '../core/errors.ts'
import {
  describeTarget,
  type Leaf,
  NOT_FOUND,
  resolve,
  type Target,
  toTarget,
} from '../core/leaf.ts'
import type { App, Dispatcher, MetricsNode } from '../core/types.ts'
import { canonicalPrefix, decodedPath, restUnder } from '../parse/path.ts'
import { BaseDispatcher } from './dispatcher.ts'

export type Mounts = Record<string, App> | Iterable<readonly [string, App]>

/** Up to this many prefixes, a scan beats slicing the path for Map probes. */
const SCAN = 8
/** Where the path's first segments end, filled per lookup (resolving is synchronous). */
const ENDS = new Int32Array(64)

// No escape reopens a decision. An app that percent-decodes its path (a static folder, a
// router that decodes before matching) reads `/private%2Fsecret.txt` as
// `/private/secret.txt`, so a request whose decoded path (see decodedPath) would be
// dispatched elsewhere than the path as sent is a 400: when the longest prefix matching the
// decoded path among the decoded prefixes is not the one the path matched (or one matches
// there and none here, or the reverse), or when the decoded rest is not the decoded path
// past that prefix (`/a/x%2F..%2F..%2Fa/y` re-enters `/a` from outside it). Otherwise the
// app gets the rest with its escapes as sent (`/api/a%2Fb` gives `/a%2Fb`). Only paths with
// a `%` are checked, unless a prefix has one: then `/a/b` is checked against `/a%2Fb`.
class MountDispatcher extends BaseDispatcher {
  readonly #fallback: Target
  // Longest first, so the first match is the longest prefix.
  readonly #prefixes: string[]
  readonly #targets: Target[]
  // The indices into #prefixes, longest decoded prefix first, and the decoded prefixes.
  readonly #decodedOrder: number[]
  readonly #decoded: string[]
  /** Some prefix has an escape: every path is checked, not only those with `%`. */
  readonly #escaped: boolean
  /** Many prefixes: looked up by segment (#byPrefix), so cost follows the path's depth. */
  readonly #byPrefix: Map<string, number> | undefined
  /** The most segments any prefix has. */
  readonly #depth: number

  constructor(fallback: Target, mounts: Map<string, Target>) {
    super()
    this.#fallback = fallback
    this.#prefixes = [...mounts.keys()].sort((a, b) => b.length - a.length)
    this.#targets = this.#prefixes.map((prefix) => mounts.get(prefix) as Target)
    this.#decoded = this.#prefixes.map(decodedPath)
    const decoded = this.#decoded
    this.#decodedOrder = decoded
      .map((_, i) => i)
      .sort((a, b) => (decoded[b] as string).length - (decoded[a] as string).length)
    this.#escaped = this.#prefixes.some((prefix) => prefix.includes('%'))
    this.#depth = Math.max(0, ...this.#prefixes.map((prefix) => prefix.split('/').length - 1))
    this.#byPrefix =
      this.#prefixes.length > SCAN
        ? new Map(this.#prefixes.map((prefix, i) => [prefix, i]))
        : undefined
  }

  _resolve(ctx: DispatchContext): Leaf | Promise<Leaf> {
    const path = ctx.path
    const i = this.#byPrefix === undefined ? this.#scan(path) : this.#lookup(path, this.#byPrefix)
    if (i < 0) {
      if (this.#escaped || path.includes('%')) this.#check(path, -1, path)
      return resolve(this.#fallback, ctx)
    }
    const prefix = this.#prefixes[i] as string
    const rest = path.length === prefix.length ? '/' : path.slice(prefix.length)
    if (this.#escaped || path.includes('%')) this.#check(path, i, rest)
    ctx.basePath += prefix
    ctx.path = rest
    return resolve(this.#targets[i] as Target, ctx)
  }

  /** The longest prefix `path` lies under, by trying each (few prefixes); -1 if none. */
  #scan(path: string): number {
    const prefixes = this.#prefixes
    for (let i = 0; i < prefixes.length; i++) {
      if (restUnder(path, prefixes[i] as string) !== undefined) return i
    }
    return -1
  }

  /** The same by segment: one Map probe per segment boundary, deepest first. */
  #lookup(path: string, byPrefix: Map<string, number>): number {
    let found = 0
    for (let at = 1; found < this.#depth; at++) {
      const slash = path.indexOf('/', at)
      ENDS[found++] = slash < 0 ? path.length : slash
      if (slash < 0) break
      at = slash
    }
    for (let k = found - 1; k >= 0; k--) {
      const i = byPrefix.get(path.slice(0, ENDS[k]))
      if (i !== undefined) return i
    }
    return -1
  }

  /** Throws the 400 when the decoded path would go elsewhere (see above the class). */
  #check(path: string, index: number, rest: string): void {
    const decoded = decodedPath(path)
    const order = this.#decodedOrder
    for (let k = 0; k < order.length; k++) {
      const i = order[k] as number
      const decodedRest = restUnder(decoded, this.#decoded[i] as string)
      if (decodedRest === undefined) continue
      if (i === index && decodedRest === decodedPath(rest)) return
      throw ambiguous()
    }
    if (index >= 0) throw ambiguous()
  }

  _children(): Iterable<Target> {
    return [...this.#targets, this.#fallback]
  }

  _tree(metrics: boolean): MetricsNode {
    const children = this.#prefixes.map((prefix, i) => ({
      match: prefix,
      node: describeTarget(this.#targets[i] as Target, metrics),
    }))
    children.push({ match: '*', node: describeTarget(this.#fallback, metrics) })
    return this._node('mount', 'mount', children, metrics)
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
  // `/a%2Fb` and `/a/b` (or `/%40x` and `/@x`) are one prefix to an app that decodes.
  const byDecoded = new Map<string, string>()
  for (const canonical of table.keys()) {
    const decoded = decodedPath(canonical)
    const other = byDecoded.get(decoded)
    if (other !== undefined) {
      throw new TypeError(
        `mount(): prefixes "${other}" and "${canonical}" are the same path once decoded; keep one`,
      )
    }
    byDecoded.set(decoded, canonical)
  }
  return new MountDispatcher(fallback, table)
}

function ambiguous(): HttpError {
  return new HttpError(
    400,
    'Ambiguous request path: decoding its percent-escapes would route it to another app',
  )
}

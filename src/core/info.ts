// mountInfo(): what the leaf app sees, for a Node `req` and a Fetch `Request` alike.
import type { DispatchContext } from './context.ts'
import type { MountInfo } from './types.ts'

// Symbol.for: a leaf may read mountInfo with another installed copy than its entry's.
const CONTEXT = Symbol.for('switchyard.context')

type Carrier = { [CONTEXT]?: DispatchContext }

/** @internal The one way a request's context travels: on the request object the leaf gets. */
export function attachContext(target: object, ctx: DispatchContext): void {
  const carrier = target as Carrier
  const outer = carrier[CONTEXT]
  // A switchyard listener inside another's leaf: the leaf sees the inner dispatch, and the
  // outer one stays reachable, so its leases are released when the response closes.
  if (outer !== undefined && outer !== ctx && ctx.outer === undefined) ctx.outer = outer
  carrier[CONTEXT] = ctx
}

/** @internal */
export function contextOf(target: object): DispatchContext | undefined {
  return (target as Carrier)[CONTEXT]
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({})

/**
 * How the request was dispatched, as the leaf app sees it; undefined for a request that
 * did not come through switchyard. Works with a Node `req` and a Fetch `Request`.
 */
export function mountInfo(reqOrRequest: object): MountInfo | undefined {
  const ctx = contextOf(reqOrRequest)
  if (ctx === undefined) return undefined
  return {
    basePath: ctx.basePath,
    path: ctx.path,
    originalUrl: ctx.originalUrl,
    params: ctx.params ?? NO_PARAMS,
    key: ctx.key,
  }
}

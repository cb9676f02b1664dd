// mountInfo(): what the leaf app sees, for either kind of request object.
import type { DispatchContext } from './context.ts'

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

const kInfo = Symbol('switchyard.mountInfo')

type Carrier = { [kInfo]?: DispatchContext }

/** @internal Entries attach the resolved context to the request object the leaf gets. */
export function attachInfo(target: object, ctx: DispatchContext): void {
  ;(target as Carrier)[kInfo] = ctx
}

/** @internal */
export function attachedContext(target: object): DispatchContext | undefined {
  return (target as Carrier)[kInfo]
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({})

/**
 * How the request was dispatched, as the leaf app sees it; undefined for a request that
 * did not come through switchyard. Works with a Node `req` and a Fetch `Request`.
 */
export function mountInfo(reqOrRequest: object): MountInfo | undefined {
  const ctx = attachedContext(reqOrRequest)
  if (ctx === undefined) return undefined
  return {
    basePath: ctx.basePath,
    path: ctx.path,
    originalUrl: ctx.originalUrl,
    params: ctx.params ?? NO_PARAMS,
    key: ctx.key,
  }
}

// paths(): the Flask docs' PathDispatcher. The first path segment is the key.

import type { DispatchContext } from '../core/context.ts'
import { NOT_FOUND, toTarget } from '../core/leaf.ts'
import type { App } from '../core/types.ts'
import { type AppFactory, LazyDispatcher, type LazyOptions } from './lazy.ts'

export type PathOptions = Omit<LazyOptions, 'fallback'>

/**
 * One lazily created instance per first path segment: `/alice/x` has key `alice`, and
 * that instance sees `/x` with base `/alice`. Without a segment, or when the factory gives
 * null, the default app gets the request with the path unshifted.
 */
export function paths(
  defaultApp: App | null,
  create: AppFactory,
  options: PathOptions = {},
): LazyDispatcher {
  const fallback = defaultApp === null ? NOT_FOUND : toTarget(defaultApp, 'paths() default app')
  return new LazyDispatcher(
    {
      kind: 'paths',
      label: 'paths',
      keyPattern: '/{key}',
      key: firstSegment,
      enter: shiftSegment,
      fallback: () => fallback,
      missing: fallback,
      extra: [{ match: '(no user for the first segment)', target: fallback }],
    },
    create,
    options,
    'paths()',
  )
}

function firstSegment(ctx: DispatchContext): string | null {
  const path = ctx.path
  const end = path.indexOf('/', 1)
  const segment = end < 0 ? path.slice(1) : path.slice(1, end)
  return segment === '' ? null : segment
}

function shiftSegment(ctx: DispatchContext, key: string): void {
  ctx.basePath += `/${key}`
  ctx.path = ctx.path.length === key.length + 1 ? '/' : ctx.path.slice(key.length + 1)
}

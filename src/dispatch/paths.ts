// paths(): the Flask docs' PathDispatcher. The first path segment is the key.

import type { DispatchContext } from '../core/context.ts'
import { HttpError } from '../core/errors.ts'
import { NOT_FOUND, toTarget } from '../core/leaf.ts'
import type { App } from '../core/types.ts'
import { decodedPath } from '../parse/path.ts'
import { type AppFactory, LazyDispatcher, type LazyOptions } from './lazy.ts'

export type PathOptions = Omit<LazyOptions, 'fallback'>

/**
 * One lazily created instance per first path segment: `/alice/x` has key `alice`, and
 * that instance sees `/x` with base `/alice`. The key is the segment percent-decoded as
 * UTF-8 (`/%C3%A9lise/x` has key `élise`, `/%40bob` and `/@bob` both `@bob`); the base and
 * the rest keep their escapes as sent. Without a segment, or when the factory gives null,
 * the default app gets the request with the path unshifted.
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

// The key decision, like mount()'s, must not change when an app decodes the path: a first
// segment with an escaped separator (`/alice%2Fx/y` is `/alice/x/y` decoded: key `alice`,
// not `alice%2Fx`) or a rest that climbs out of it once decoded (`/alice/x%2F..%2F..%2Fbob`
// is `/bob`) is a 400. Other escapes are decoded into the key, so every spelling of a
// segment (`%40bob`, `@bob`) is one key and one instance. A segment that is not UTF-8
// once decoded (`%FF`) is a 400 too: no key string stands for it unambiguously. Paths
// without `%` are their own decoded form and skip all of this.
function firstSegment(ctx: DispatchContext): string | null {
  const path = ctx.path
  const end = path.indexOf('/', 1)
  const segment = end < 0 ? path.slice(1) : path.slice(1, end)
  if (segment === '') return null
  return path.includes('%') ? decodedKey(path, segment, end) : segment
}

function decodedKey(path: string, segment: string, end: number): string {
  if (segment.includes('%2F') || segment.includes('%5C')) throw ambiguous()
  if (end >= 0) {
    const head = decodedPath(`/${segment}`)
    if (decodedPath(path) !== head + decodedPath(path.slice(end))) throw ambiguous()
  }
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new HttpError(400, 'The first path segment is not UTF-8 once percent-decoded')
  }
}

function ambiguous(): HttpError {
  return new HttpError(
    400,
    'Ambiguous request path: decoding its percent-escapes would route it to another app',
  )
}

// The segment as sent goes into the base (so basePath + path is the normalized path).
function shiftSegment(ctx: DispatchContext): void {
  const path = ctx.path
  const end = path.indexOf('/', 1)
  ctx.basePath += end < 0 ? path : path.slice(0, end)
  ctx.path = end < 0 ? '/' : path.slice(end)
}

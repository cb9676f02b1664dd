// Errors thrown in framework routes reach the dev error page, as Flask's debugger catches
// every view error. Frameworks answer their own 500 otherwise; where one offers a hook that
// a host can set without the user editing code, dev sets it on each app the first time it
// serves a request. Production is untouched: only the dev worker installs this.
//   Express: nothing to set: an Express app declares (req, res, next), so switchyard gives
//     it a final `next`, and an unhandled error goes to switchyard's funnel.
//   Hono: an app with Hono's default error handler gets one that rethrows (HTTPExceptions
//     still answer their own response), so the error reaches the funnel.
//   Koa, Fastify: switchyard gets `koa.callback()` / `fastify.server`, not the app: the
//     README gives the one line that forwards their errors.
import type { Leaf } from '../core/leaf.ts'

interface HonoLike {
  onError(handler: (error: unknown, c: unknown) => unknown): unknown
  errorHandler: unknown
  constructor: new () => { errorHandler: unknown }
}

export function surfaceFrameworkErrors(): (leaf: Leaf) => void {
  const seen = new WeakSet<object>()
  return (leaf) => {
    if (leaf.kind !== 'fetch' || typeof leaf.source !== 'object' || leaf.source === null) return
    const app = leaf.source
    if (seen.has(app)) return
    seen.add(app)
    if (isHonoWithDefaultHandler(app)) app.onError(rethrow)
  }
}

function isHonoWithDefaultHandler(app: object): app is HonoLike {
  const candidate = app as Partial<HonoLike>
  if (typeof candidate.onError !== 'function' || typeof candidate.errorHandler !== 'function') {
    return false
  }
  try {
    // The default handler is shared by every app of the same Hono copy.
    return (
      candidate.errorHandler ===
      new (candidate.constructor as HonoLike['constructor'])().errorHandler
    )
  } catch {
    return false
  }
}

function rethrow(error: unknown): unknown {
  const http = error as { getResponse?: () => unknown }
  if (typeof http?.getResponse === 'function') return http.getResponse()
  throw error
}

// Errors thrown in framework routes reach the dev error page, as Flask's debugger catches
// every view error. Frameworks answer their own 500 otherwise; where one offers a hook that
// a host can set without the user editing code, dev sets it on each app the first time it
// serves a request. Production is untouched: only the dev worker installs this.
//   Express: nothing to set: an Express app declares (req, res, next), so switchyard gives
//     it a final `next`, and an unhandled error goes to switchyard's funnel.
//   Hono: an app with Hono's default error handler gets one that rethrows (HTTPExceptions
//     still answer their own response), so the error reaches the funnel.
//   Koa (mounted as the app, not its callback()): `app.context.onerror`, the hook
//     koa-onerror replaces, hands errors to the funnel; 4xx (ctx.throw(404)) stay Koa's.
//   Fastify (mounted as the instance): the error handler switchyard sets before ready()
//     under dev (core/frameworks.ts) calls the hook set here.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EntryConfig } from '../core/config.ts'
import { HOST_ERROR, type HostErrorHandler, isFastify, isKoa } from '../core/frameworks.ts'
import { contextOf } from '../core/info.ts'
import type { Leaf } from '../core/leaf.ts'
import { failNode } from '../invoke/node.ts'

interface HonoLike {
  onError(handler: (error: unknown, c: unknown) => unknown): unknown
  errorHandler: unknown
  constructor: new () => { errorHandler: unknown }
}

interface KoaContext {
  req: IncomingMessage
  res: ServerResponse
  headerSent?: boolean
}

export function surfaceFrameworkErrors(): (leaf: Leaf, config: EntryConfig) => void {
  const seen = new WeakSet<object>()
  return (leaf, config) => {
    if (typeof leaf.source !== 'object' || leaf.source === null) return
    const app = leaf.source
    if (seen.has(app)) return
    seen.add(app)
    const host: HostErrorHandler = (error, req, res) =>
      failNode(
        error,
        contextOf(req as object),
        req as IncomingMessage,
        res as ServerResponse,
        config,
      )
    if (leaf.kind === 'fetch' && isHonoWithDefaultHandler(app)) app.onError(rethrow)
    else if (isKoa(app)) surfaceKoa(app.context as { onerror: (error: unknown) => void }, host)
    else if (isFastify(app)) app[HOST_ERROR] = host
  }
}

function surfaceKoa(context: { onerror: (error: unknown) => void }, host: HostErrorHandler): void {
  const koaOwn = context.onerror
  context.onerror = function (this: KoaContext, error: unknown) {
    // Koa calls it with null when a response finishes without error.
    if (error === null || error === undefined) return
    const status = (error as { status?: unknown }).status
    const clientError = typeof status === 'number' && status >= 400 && status < 500
    if (clientError || this.headerSent === true) return koaOwn.call(this, error)
    host(error, this.req, this.res)
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

// Rewrites a Node request for the leaf: url, baseUrl, originalUrl, X-Forwarded-Prefix.
import type { IncomingMessage } from 'node:http'
import type { DispatchContext } from '../core/context.ts'
import { attachInfo } from '../core/info.ts'

type MountedRequest = IncomingMessage & { baseUrl?: string; originalUrl?: string }

const XFP = 'x-forwarded-prefix'

/** Gives the leaf the pillarjs/router contract: `req.url` is the rest, `req.baseUrl` the base. */
export function prepareNodeRequest(req: MountedRequest, ctx: DispatchContext): void {
  attachInfo(req, ctx)
  if (ctx.basePath !== '') {
    req.originalUrl ??= ctx.originalUrl
    req.url = ctx.path + ctx.query
    const base = (req.baseUrl ?? '') + ctx.basePath
    req.baseUrl = base
    setForwardedPrefix(req, ctx.forwardedPrefix(base))
    return
  }
  if (!ctx.exact) {
    req.originalUrl ??= ctx.originalUrl
    req.url = ctx.path + ctx.query
  }
  if (!ctx.trustProxy) setForwardedPrefix(req, undefined)
}

/** What the client sent, whoever rewrote `req.url` since (switchyard or an outer router). */
export function originalUrlOf(req: IncomingMessage): string {
  return (req as MountedRequest).originalUrl ?? req.url ?? ''
}

/** Sets or removes the header in both `headers` and `rawHeaders`, which bridges read. */
function setForwardedPrefix(req: IncomingMessage, value: string | undefined): void {
  const headers = req.headers
  if (headers[XFP] !== undefined) {
    const raw = req.rawHeaders
    for (let i = raw.length - 2; i >= 0; i -= 2) {
      if ((raw[i] as string).toLowerCase() === XFP) raw.splice(i, 2)
    }
    delete headers[XFP]
  }
  if (value !== undefined) {
    headers[XFP] = value
    req.rawHeaders.push('X-Forwarded-Prefix', value)
  }
}

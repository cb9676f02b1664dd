// Rewrites a Node request for its leaf: the pillarjs/router contract (`req.url` the rest,
// `req.baseUrl` the base, `req.originalUrl` what the client sent), and the forwarding
// headers switchyard vouches for: X-Forwarded-Prefix, and X-Forwarded-Host exactly as routed.
import type { IncomingMessage } from 'node:http'
import type { DispatchContext } from '../core/context.ts'
import { attachContext } from '../core/info.ts'

type MountedRequest = IncomingMessage & { baseUrl?: string; originalUrl?: string }

const XFP = 'x-forwarded-prefix'
const XFH = 'x-forwarded-host'

export function prepareNodeRequest(req: MountedRequest, ctx: DispatchContext): void {
  attachContext(req, ctx)
  // Inside an outer Express app these are already set, and win.
  req.originalUrl ??= ctx.originalUrl
  req.baseUrl = (req.baseUrl ?? '') + ctx.basePath
  if (ctx.basePath !== '' || !ctx.exact) req.url = ctx.path + ctx.query
  const headers = req.headers
  if (ctx.basePath !== '') setHeader(req, XFP, ctx.forwardedPrefix(req.baseUrl))
  else if (headers[XFP] !== undefined) {
    // At the root a trusted proxy's prefix passes on if it is a same-origin path; else none.
    const prefix = ctx.trustProxy ? ctx.forwardedPrefix('') || undefined : undefined
    if (prefix !== headers[XFP]) setHeader(req, XFP, prefix)
  }
  const xfh = headers[XFH]
  if (xfh !== undefined && xfh !== ctx.forwardedHost) setHeader(req, XFH, ctx.forwardedHost)
}

/** What the client sent, whoever rewrote `req.url` since (switchyard or an outer router). */
export function originalUrlOf(req: IncomingMessage): string {
  return (req as MountedRequest).originalUrl ?? req.url ?? ''
}

/** Sets or removes a header in both `headers` and `rawHeaders`, which bridges read. */
function setHeader(req: IncomingMessage, name: string, value: string | undefined): void {
  const headers = req.headers
  if (headers[name] !== undefined) {
    const raw = req.rawHeaders
    for (let i = raw.length - 2; i >= 0; i -= 2) {
      if ((raw[i] as string).toLowerCase() === name) raw.splice(i, 2)
    }
    delete headers[name]
  }
  if (value !== undefined) {
    headers[name] = value
    req.rawHeaders.push(name, value)
  }
}

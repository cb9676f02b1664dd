// Invokes a resolved leaf with a Fetch Request.
import type { Leaf } from '../core/app.ts'
import type { FetchContext } from '../core/context.ts'
import type { ErrorReporter } from '../core/errors.ts'
import { attachInfo } from '../core/info.ts'
import { urlPathStart } from '../parse/path.ts'
import { injectNode } from './inject.ts'
import { releaseWithBody } from './release.ts'

const XFP = 'x-forwarded-prefix'

export async function invokeFetch(
  leaf: Leaf,
  ctx: FetchContext,
  request: Request,
  rest: unknown[],
  report: ErrorReporter,
): Promise<Response> {
  let response: Response
  if (leaf._fetch !== undefined) {
    const rewritten = rewriteRequest(request, ctx)
    attachInfo(rewritten, ctx)
    response = await leaf._fetch(rewritten, ...rest)
    if (!(response instanceof Response)) {
      throw new TypeError(`The app returned ${typeof response}, not a Response`)
    }
  } else {
    response = await injectNode(leaf, ctx, request, rest, report)
  }
  return ctx.leases === undefined ? response : releaseWithBody(response, ctx)
}

/**
 * The request as the leaf sees it: URL rewritten to the rest, X-Forwarded-Prefix set.
 * At the root with a normal path, the original request passes through untouched.
 */
function rewriteRequest(request: Request, ctx: FetchContext): Request {
  const sentPrefix = request.headers.has(XFP)
  if (ctx.basePath === '' && ctx.exact && (ctx.trustProxy || !sentPrefix)) return request
  const url = request.url
  const origin = url.slice(0, urlPathStart(url))
  // A Request passed as init carries method, headers, body (streamed), signal and the rest.
  const rewritten = new Request(origin + ctx.path + ctx.query, request)
  if (ctx.basePath !== '') rewritten.headers.set(XFP, ctx.forwardedPrefix(ctx.basePath))
  else if (!ctx.trustProxy) rewritten.headers.delete(XFP)
  return rewritten
}

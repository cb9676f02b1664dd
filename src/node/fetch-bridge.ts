// Fetch leaves behind a Node entry, through @hono/node-server's lazy Request.
import { getRequestListener, RequestError } from '@hono/node-server'
import type { Leaf, NodeHandler } from '../app.ts'
import type { ErrorReporter } from '../errors.ts'
import { attachedContext, attachInfo } from '../info.ts'

// What @hono/node-server passes as the second argument (HTTP/1 or HTTP/2 bindings).
interface NodeBindings {
  incoming: object
  outgoing: object
}

/**
 * Builds the Node listener for one Fetch leaf. The Request is only materialized if the
 * app reads it; globals are left alone (`overrideGlobalObjects: false`).
 */
export function createFetchBridge(leaf: Leaf, report: ErrorReporter): NodeHandler {
  const fetch = leaf._fetch
  if (fetch === undefined) throw new TypeError('createFetchBridge(): not a Fetch leaf')
  return getRequestListener(
    (request: Request, env: NodeBindings) => {
      const ctx = attachedContext(env.incoming)
      if (ctx !== undefined) attachInfo(request, ctx)
      return fetch(request, env)
    },
    {
      overrideGlobalObjects: false,
      errorHandler: (error: unknown) => {
        if (error instanceof RequestError) return plain(400, `Bad Request: ${error.message}`)
        report(error, { method: '?', url: '?' })
        return plain(500, 'Internal Server Error')
      },
    },
  )
}

function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  })
}

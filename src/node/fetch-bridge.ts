// Fetch leaves behind a Node entry, through @hono/node-server's lazy Request.
import type { IncomingMessage } from 'node:http'
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
 * app reads it; globals are left alone (`overrideGlobalObjects: false`). Failures of the
 * app are caught here, where the request is known, so they are reported with it.
 */
export function createFetchBridge(leaf: Leaf, report: ErrorReporter): NodeHandler {
  const fetch = leaf._fetch
  if (fetch === undefined) throw new TypeError('createFetchBridge(): not a Fetch leaf')
  const fail = (error: unknown, incoming: object): Response => {
    const req = incoming as IncomingMessage & { originalUrl?: string }
    report(error, { method: req.method ?? 'GET', url: req.originalUrl ?? req.url ?? '' })
    return plain(500, 'Internal Server Error')
  }
  return getRequestListener(
    (request: Request, env: NodeBindings) => {
      const ctx = attachedContext(env.incoming)
      if (ctx !== undefined) attachInfo(request, ctx)
      let result: Response | Promise<Response>
      try {
        result = fetch(request, env)
      } catch (error) {
        return fail(error, env.incoming)
      }
      return result instanceof Promise ? result.catch((error) => fail(error, env.incoming)) : result
    },
    {
      overrideGlobalObjects: false,
      // Only reached when the Request itself cannot be built (a malformed Host or URL).
      errorHandler: (error: unknown) => {
        if (error instanceof RequestError) return plain(400, `Bad Request: ${error.message}`)
        report(error, { method: '-', url: '-' })
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

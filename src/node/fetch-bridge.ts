// Fetch leaves behind a Node entry. @hono/node-server builds the lazy Request (nothing is
// materialized unless the app reads it, and `request.signal` follows the client); the
// Response is written here, so global Responses take a fast path without patching globals.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { getRequestListener, RequestError } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Leaf, NodeHandler } from '../core/app.ts'
import { HttpError } from '../core/errors.ts'
import { attachedContext, attachInfo } from '../core/info.ts'
import { errorResponse } from '../fetch/entry.ts'
import { failNode, type NodeEntry } from './invoke.ts'
import { writeResponse } from './write-response.ts'

// What @hono/node-server passes as the second argument.
interface NodeBindings {
  incoming: IncomingMessage
  outgoing: ServerResponse
}

export function createFetchBridge(leaf: Leaf, entry: NodeEntry): NodeHandler {
  const fetch = leaf._fetch
  if (fetch === undefined) throw new TypeError('createFetchBridge(): not a Fetch leaf')

  const fail = (error: unknown, env: NodeBindings): Response => {
    failNode(error, env.incoming, env.outgoing, entry)
    return RESPONSE_ALREADY_SENT
  }
  const send = (response: unknown, env: NodeBindings): Response | Promise<Response> => {
    if (!(response instanceof Response)) {
      return fail(new TypeError(`The app returned ${typeof response}, not a Response`), env)
    }
    const written = writeResponse(response, env.outgoing)
    if (written === undefined) return RESPONSE_ALREADY_SENT
    return written.then(
      () => RESPONSE_ALREADY_SENT,
      (error) => fail(error, env),
    )
  }

  return getRequestListener(
    (request: Request, bindings) => {
      const env = bindings as NodeBindings
      const ctx = attachedContext(env.incoming)
      if (ctx !== undefined) attachInfo(request, ctx)
      let result: Response | Promise<Response>
      try {
        result = fetch(request, env)
      } catch (error) {
        return fail(error, env)
      }
      if (result instanceof Promise) {
        return result.then(
          (response) => send(response, env),
          (error) => fail(error, env),
        )
      }
      return send(result, env)
    },
    {
      overrideGlobalObjects: false,
      // Only reached when the Request itself cannot be built (a malformed Host or URL).
      errorHandler: (error: unknown) => {
        if (error instanceof RequestError) return errorResponse(new HttpError(400, 'Bad Request'))
        entry.report(error, { method: '-', url: '-' })
        return errorResponse(error)
      },
    },
  )
}

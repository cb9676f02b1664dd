// Fetch leaves behind the Node entry. @hono/node-server builds the lazy Request (nothing is
// materialized unless the app reads it, and `request.signal` follows the client); the
// Response is written here, so global Responses take a fast path without patching globals.
// One listener per entry: the leaf comes from the request's context.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { getRequestListener, RequestError } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { EntryConfig } from '../core/config.ts'
import { HttpError } from '../core/errors.ts'
import { attachContext, contextOf } from '../core/info.ts'
import type { FetchLeaf } from '../core/leaf.ts'
import { statusResponse } from './fetch-answer.ts'
import { fail } from './funnel.ts'
import { nodeAnswerer } from './node-answer.ts'
import { writeResponse } from './write-response.ts'

type NodeListener = (req: IncomingMessage, res: ServerResponse) => unknown

// What @hono/node-server passes as the second argument.
interface NodeBindings {
  incoming: IncomingMessage
  outgoing: ServerResponse
}

export function fetchBridge(config: EntryConfig): NodeListener {
  config.fetchBridge ??= createFetchBridge(config)
  return config.fetchBridge as NodeListener
}

function createFetchBridge(config: EntryConfig): NodeListener {
  const failed = (error: unknown, env: NodeBindings): Response => {
    fail(error, contextOf(env.incoming), config, nodeAnswerer(env.incoming, env.outgoing))
    return RESPONSE_ALREADY_SENT
  }
  const send = (response: unknown, env: NodeBindings): Response | Promise<Response> => {
    if (!(response instanceof Response)) {
      return failed(new TypeError(`The app returned ${typeof response}, not a Response`), env)
    }
    const written = writeResponse(response, env.outgoing)
    if (written === undefined) return RESPONSE_ALREADY_SENT
    return written.then(
      () => RESPONSE_ALREADY_SENT,
      (error) => failed(error, env),
    )
  }

  return getRequestListener(
    (request: Request, bindings) => {
      const env = bindings as NodeBindings
      const ctx = contextOf(env.incoming)
      if (ctx === undefined) throw new TypeError('A Fetch leaf reached without its context')
      attachContext(request, ctx)
      let result: Response | Promise<Response>
      try {
        result = (ctx.leaf as FetchLeaf).handler(request, env)
      } catch (error) {
        return failed(error, env)
      }
      if (result instanceof Promise) {
        return result.then(
          (response) => send(response, env),
          (error) => failed(error, env),
        )
      }
      return send(result, env)
    },
    {
      overrideGlobalObjects: false,
      // Only reached when the Request itself cannot be built (a malformed Host or URL).
      errorHandler: (error: unknown) => {
        if (error instanceof RequestError) return statusResponse(400, 'Bad Request', 'GET')
        config.report(error, { method: '-', url: '-' })
        const answer = new HttpError(500, 'Internal Server Error')
        return statusResponse(answer.status, answer.message, 'GET')
      },
    },
  )
}

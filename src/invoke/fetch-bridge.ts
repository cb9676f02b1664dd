// Fetch leaves behind the Node entry, through @hono/node-server: it builds the lazy Request
// (nothing is materialized unless the app reads it; `request.signal` follows the client)
// and, with its global override on (its default, and ours), writes the small lightweight
// Responses it recognises itself, synchronously. Everything else (streams, SSE, native
// Responses) is written by writeResponse, whose failures reach the funnel. One listener
// per entry: the leaf comes from the request's context.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { getRequestListener, RequestError } from '@hono/node-server'
import type { EntryConfig } from '../core/config.ts'
import { attachContext, contextOf } from '../core/info.ts'
import type { FetchLeaf } from '../core/leaf.ts'
import { isResponse } from '../core/response.ts'
import { isThenable } from '../core/thenable.ts'
import { statusResponse } from './fetch-answer.ts'
import { fail } from './funnel.ts'
import { lightweightCache } from './lightweight.ts'
import { nodeAnswerer } from './node-answer.ts'
import { writePrepared } from './prepared-response.ts'
import { responseGone } from './response-state.ts'
import { writeResponse } from './write-response.ts'

type NodeListener = (req: IncomingMessage, res: ServerResponse) => unknown

// What @hono/node-server passes as the second argument.
interface NodeBindings {
  incoming: IncomingMessage
  outgoing: ServerResponse
}

// Thrown (never an Error: no stack to capture) once the response is written or answered
// here; the errorHandler tells @hono/node-server there is nothing left to write.
const ANSWERED = Object.freeze({ answered: true })

export function fetchBridge(config: EntryConfig): NodeListener {
  config.fetchBridge ??= createFetchBridge(config)
  return config.fetchBridge as NodeListener
}

function createFetchBridge(config: EntryConfig): NodeListener {
  const failed = (error: unknown, env: NodeBindings): never => {
    fail(error, contextOf(env.incoming), config, nodeAnswerer(env.incoming, env.outgoing))
    throw ANSWERED
  }
  // Probed once the listener exists: getRequestListener is what turns the override on.
  let sync: (response: Response) => boolean = () => false
  const send = (response: unknown, env: NodeBindings): Response | Promise<never> => {
    if (!isResponse(response)) {
      return failed(new TypeError(`The app returned ${typeof response}, not a Response`), env)
    }
    // @hono/node-server writes the lightweight Responses it knows (never those naming
    // connection-specific fields: lightweight.ts), over either protocol.
    if (sync(response) && !responseGone(env.outgoing)) return response
    let written: void | Promise<void>
    try {
      const prepared = writePrepared(response, env.outgoing)
      written =
        prepared === true
          ? undefined
          : writeResponse(prepared === false ? response : prepared, env.outgoing)
    } catch (error) {
      return failed(error, env)
    }
    if (written === undefined) throw ANSWERED
    return written.then(
      () => {
        throw ANSWERED
      },
      (error) => failed(error, env),
    )
  }

  const listener = getRequestListener(
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
      if (isThenable(result)) {
        // The instance stays leased until the app's promise settles, even if the client left.
        const held = ctx.leased
        if (held) ctx.hold()
        return Promise.resolve(result).then(
          (response) => {
            if (held) ctx.unhold()
            return send(response, env)
          },
          (error) => {
            if (held) ctx.unhold()
            return failed(error, env)
          },
        )
      }
      return send(result, env)
    },
    {
      overrideGlobalObjects: config.overrideGlobalObjects,
      errorHandler: (error: unknown) => {
        if (error === ANSWERED) return
        // Only reached when the Request itself cannot be built (a malformed Host or URL).
        if (error instanceof RequestError) return statusResponse(400, 'Bad Request', 'GET')
        config.report(error, { method: '-', url: '-' })
        return statusResponse(500, 'Internal Server Error', 'GET')
      },
    },
  )
  sync = lightweightCache(config.overrideGlobalObjects)
  return listener
}

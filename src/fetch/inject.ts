// Node leaves behind the Fetch entry: the request is replayed as real HTTP/1.1 over an
// in-memory socket pair, so Express, Fastify and Koa see genuine IncomingMessage and
// ServerResponse objects, and bodies stream both ways with backpressure.
import {
  type ClientRequest,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
} from 'node:http'
import { pipeline, Readable } from 'node:stream'
import type { Leaf } from '../core/app.ts'
import type { DispatchContext } from '../core/context.ts'
import { type ErrorReporter, HttpError } from '../core/errors.ts'
import { invokeNode, type NodeEntry } from '../node/invoke.ts'
import { PipeSocket } from './pipe.ts'

type Carrier = PipeSocket & { ctx?: DispatchContext }

const servers = new WeakMap<Leaf, Map<ErrorReporter, Server>>()

export function injectNode(
  leaf: Leaf,
  ctx: DispatchContext,
  request: Request,
  rest: unknown[],
  report: ErrorReporter,
): Promise<Response> {
  const [client, server] = PipeSocket.pair() as [PipeSocket, Carrier]
  server.ctx = ctx
  // Keep the peer's address when the Fetch entry runs under @hono/node-server.
  const incoming = (rest[0] as { incoming?: IncomingMessage } | undefined)?.incoming
  server.remoteAddress = incoming?.socket?.remoteAddress
  server.remotePort = incoming?.socket?.remotePort
  serverFor(leaf, report).emit('connection', server)

  return new Promise((resolve, reject) => {
    let outgoing: ClientRequest
    try {
      outgoing = httpRequest({
        method: request.method,
        path: ctx.originalUrl,
        headers: headersOf(request),
        createConnection: () => client,
      })
    } catch (error) {
      // Fetch allows header bytes HTTP/1.1 does not (control characters); Node's parser
      // would answer such a request 400, and so does this path. The pipe goes unused.
      client.destroy()
      reject(new HttpError(400, `Invalid request header: ${(error as Error).message}`))
      return
    }
    const abort = () => outgoing.destroy(request.signal.reason)
    request.signal.addEventListener('abort', abort, { once: true })
    outgoing.once('close', () => request.signal.removeEventListener('abort', abort))
    // The injected server side has its own error funnel, which already answered or
    // reported; a connection that ends without a response is the app's doing (or the
    // client's abort), not something to report a second time.
    outgoing.once('error', (error) =>
      reject(new HttpError(500, 'No response from the app', { cause: error, logged: true })),
    )
    outgoing.once('response', (res) => resolve(toResponse(res, request.method)))
    if (request.body === null) outgoing.end()
    // A body that fails midway (the client gave up) cuts the connection to the app short.
    else pipeline(Readable.fromWeb(request.body as never), outgoing, () => {})
  })
}

function serverFor(leaf: Leaf, report: ErrorReporter): Server {
  let byReporter = servers.get(leaf)
  if (byReporter === undefined) {
    byReporter = new Map()
    servers.set(leaf, byReporter)
  }
  let server = byReporter.get(report)
  if (server === undefined) {
    const entry: NodeEntry = {
      report,
      bridge: () => {
        throw new TypeError('A Fetch leaf never needs injection')
      },
    }
    server = createServer((req, res) => {
      const ctx = (req.socket as unknown as Carrier).ctx as DispatchContext
      invokeNode(leaf, ctx, req, res, entry)
    })
    byReporter.set(report, server)
  }
  return server
}

function headersOf(request: Request): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of request.headers) headers[name] = value
  headers.host ??= new URL(request.url).host
  return headers
}

function toResponse(res: IncomingMessage, method: string): Response {
  const headers = new Headers()
  const raw = res.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    // Framing belongs to the pipe; the Fetch server frames the body anew.
    if (/^(transfer-encoding|connection|keep-alive)$/i.test(name)) continue
    headers.append(name, raw[i + 1] as string)
  }
  const status = res.statusCode ?? 500
  const empty = method === 'HEAD' || status === 204 || status === 304
  if (empty) res.resume()
  const body = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>)
  return new Response(body, { status, statusText: res.statusMessage, headers })
}

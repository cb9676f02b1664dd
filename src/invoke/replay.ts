// Node leaves behind the Fetch entry: the request is replayed as real HTTP/1.1 over an
// in-memory socket pair, so Express, Fastify and Koa see genuine IncomingMessage and
// ServerResponse objects, and bodies stream both ways with backpressure.
//
// Two parsers read this request (the Request's and Node's), so the replay states only what
// it vouches for: the URL's host, the path as dispatched, and a body framed by the replay
// itself (chunked). The Request's framing and hop-by-hop headers are never forwarded, one
// request crosses each replay connection, and the connection is closed once answered.
import { type ClientRequest, request as httpRequest, type IncomingMessage, Server } from 'node:http'
import type { Socket } from 'node:net'
import { pipeline, Readable } from 'node:stream'
import type { EntryConfig } from '../core/config.ts'
import type { DispatchContext } from '../core/context.ts'
import { HttpError } from '../core/errors.ts'
import { connectionTokens, endToEnd, HOP_BY_HOP } from '../core/hop-by-hop.ts'
import type { Leaf } from '../core/leaf.ts'
import { urlPathStart } from '../parse/path.ts'
import { type FetchInvoker, installNodeReplay } from './fetch.ts'
import { failNode, invokeNode } from './node.ts'
import { PipeSocket } from './pipe-socket.ts'

// Besides the hop-by-hop fields: content-length (the replay frames the body itself), and the
// host the replay states.
const STATED = new Set(['content-length', 'host', 'x-forwarded-host'])

export const replayToNode: FetchInvoker = (leaf, ctx, request, rest, config) => {
  // Node's parser knows methods only in upper case and its client upper-cases them: a
  // `patch` dispatched as such must not reach a Node app as `PATCH` (methods are
  // case-sensitive, RFC 9110 §9.1).
  if (request.method !== request.method.toUpperCase()) {
    throw new HttpError(
      400,
      `Method "${request.method}" cannot reach a Node app: methods are case-sensitive`,
    )
  }
  const [client, server] = PipeSocket.pair()
  // Keep the peer's address when the Fetch entry runs under @hono/node-server.
  const incoming = (rest[0] as { incoming?: IncomingMessage } | undefined)?.incoming
  server.remoteAddress = incoming?.socket?.remoteAddress
  server.remotePort = incoming?.socket?.remotePort
  replayServer(leaf, ctx, config).emit('connection', server)

  return new Promise((resolve, reject) => {
    let outgoing: ClientRequest
    try {
      outgoing = httpRequest({
        method: request.method,
        path: ctx.originalUrl,
        headers: replayHeaders(request, ctx),
        createConnection: () => client as unknown as Socket,
      })
    } catch (error) {
      // Fetch allows header bytes HTTP/1.1 does not (control characters); Node's parser
      // would answer such a request 400, and so does this path. The pipe goes unused.
      client.destroy()
      reject(new HttpError(400, `Invalid request header: ${(error as Error).message}`))
      return
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    if (config.timeout > 0) {
      timer = setTimeout(() => {
        reject(new HttpError(504, 'The app did not answer in time', { logged: false }))
        outgoing.destroy()
      }, config.timeout)
    }
    const abort = () => outgoing.destroy(request.signal.reason)
    request.signal.addEventListener('abort', abort, { once: true })
    // The replayed side has the funnel, which already answered or reported; a connection
    // that ends without a response is the app's doing (or the client's abort). After a
    // response this does nothing; without one it never leaves the caller waiting.
    const noResponse = (cause?: unknown) =>
      reject(new HttpError(500, 'No response from the app', { cause, logged: true }))
    outgoing.once('close', () => {
      clearTimeout(timer)
      request.signal.removeEventListener('abort', abort)
      noResponse()
    })
    // The request asked for no upgrade (its Upgrade header is not forwarded), so a 101 is the
    // app's mistake; without this listener Node would drop the pipe without a word.
    outgoing.once('upgrade', (_res, socket) => {
      socket.destroy()
      reject(
        new HttpError(
          500,
          'The app answered 101 Switching Protocols to a request that asked for no upgrade',
        ),
      )
    })
    outgoing.once('error', noResponse)
    outgoing.once('response', (res) => {
      clearTimeout(timer)
      // One request per connection: once its answer has arrived, the pipe is done.
      res.once('close', () => client.destroy())
      resolve(toResponse(res, request.method, client))
    })
    if (request.body === null) outgoing.end()
    // A body that fails midway (the client gave up) cuts the connection to the app short.
    else pipeline(Readable.fromWeb(request.body as never), outgoing, () => {})
  })
}

installNodeReplay(replayToNode)

/** A server of one connection and one request: its listener holds the request's dispatch. */
function replayServer(leaf: Leaf, ctx: DispatchContext, config: EntryConfig): Server {
  const server = new Server((req, res) => {
    // Writing after end emits 'error' on res; on this server of ours nobody else listens.
    res.on('error', (error) => failNode(error, ctx, req, res, config))
    invokeNode(leaf, ctx, req, res, config)
  })
  server.on('clientError', answerClientError)
  return server
}

// Node's parser refused the replayed request: a whole answer, with a body that reads cleanly.
function answerClientError(error: Error & { code?: string }, socket: PipeSocket | Socket): void {
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW'
  const text = tooLarge ? 'Request Header Fields Too Large\n' : 'Bad Request\n'
  const head = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'
  if (!socket.writable) return void socket.destroy()
  socket.end(
    `HTTP/1.1 ${head}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
  )
}

function replayHeaders(request: Request, ctx: DispatchContext): Record<string, string> {
  const headers: Record<string, string> = {}
  const named = connectionTokens(request.headers.get('connection'))
  for (const [name, value] of request.headers) {
    if (HOP_BY_HOP.has(name) || STATED.has(name) || named?.has(name) === true) continue
    headers[name] = value
  }
  const url = request.url
  headers.host = url.slice(url.indexOf('//') + 2, urlPathStart(url))
  if (ctx.forwardedHost !== undefined) headers['x-forwarded-host'] = ctx.forwardedHost
  headers.connection = 'close'
  return headers
}

function toResponse(res: IncomingMessage, method: string, client: PipeSocket): Response {
  const headers = new Headers()
  // Framing belongs to the pipe; the Fetch server frames the body anew.
  const kept = endToEnd(res.rawHeaders)
  for (let i = 0; i < kept.length; i += 2) headers.append(kept[i] as string, kept[i + 1] as string)
  const status = res.statusCode ?? 500
  const empty = method === 'HEAD' || status === 204 || status === 304
  if (empty) {
    res.resume()
    client.destroy()
  }
  const body = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>)
  return new Response(body, { status, statusText: res.statusMessage, headers })
}

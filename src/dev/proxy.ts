// The dev server's front: the listening socket stays here while workers come and go, and
// every request and upgrade is relayed to the current worker over loopback.
//
// Each client connection owns its upstream connection to the worker: requests that arrive on
// one client connection are relayed over one upstream connection that no other client ever
// uses, and it is closed when the client's connection closes. A worker whose app breaks its
// own framing (writes past its Content-Length, writes a second response on the socket) can
// only confuse the connection of the client that asked; its bytes can never be read as the
// answer to somebody else's request, as they could on a shared keep-alive pool.
import {
  Agent,
  type ClientRequest,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { endToEnd } from '../core/hop-by-hop.ts'
import { answerFields } from '../invoke/answer-fields.ts'
import { drained } from '../invoke/node-handoff.ts'
import { relayEarlyHints, relayTrailers, trailersCanFollow } from '../proxy/relay.ts'
import { withReloadScript } from './live.ts'
import type { DevWorker } from './workers.ts'

export type WorkerSource = () => Promise<DevWorker>

/** A client connection's upstream: one connection to one worker. */
interface Upstream {
  worker: DevWorker
  agent: Agent
  /** Earlier ones, released but maybe still busy: destroyed with the client connection. */
  retired: Agent[]
}

const upstreams = new WeakMap<Socket, Upstream>()

/**
 * The upstream of the client connection `socket` to `worker`. When the worker has changed
 * (a reload, a crash), the client's earlier upstream is closed as soon as it is idle and a
 * new one to the current worker is opened: a client's next request always reaches the
 * current worker, even on a keep-alive connection.
 */
function upstreamOf(socket: Socket, worker: DevWorker): Agent {
  const known = upstreams.get(socket)
  if (known?.worker === worker) return known.agent
  const retired = known === undefined ? [] : [...known.retired, known.agent].filter(busy)
  if (known === undefined) socket.once('close', () => destroyAll(upstreams.get(socket)))
  else release(known.agent)
  // maxSockets 1: one upstream connection per client connection; pipelined requests queue
  // on it in order, as they do on the client's connection.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 })
  upstreams.set(socket, { worker, agent, retired })
  return agent
}

const busy = (agent: Agent): boolean => Object.keys(agent.sockets).length > 0

function destroyAll(upstream: Upstream | undefined): void {
  upstream?.agent.destroy()
  for (const agent of upstream?.retired ?? []) agent.destroy()
}

/** Closes an agent's idle connection now and its busy one when its response is done. */
function release(agent: Agent): void {
  agent.keepSocketAlive = () => false
  for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy()
}

/** `liveReload`: the app's HTML pages get the reload script (buffered, Content-Length anew). */
export function proxyRequest(current: WorkerSource, liveReload = false) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let worker: DevWorker
    try {
      worker = await current()
    } catch {
      return workerGone(res)
    }
    let answered = false
    const upstream = request(
      {
        host: '127.0.0.1',
        port: worker.port,
        method: req.method,
        path: req.url,
        headers: endToEnd(req.rawHeaders),
        agent: upstreamOf(req.socket, worker),
      },
      (answer) => {
        answered = true
        answer.once('end', () => {
          // Not req.complete: the body's tail may be parsed yet still buffered in the front.
          if (!upstream.writableFinished) bodyOutlivesAnswer(req, upstream)
        })
        const status = answer.statusCode ?? 502
        // The worker's answer as this connection's own: the front frames the body Node has
        // decoded, and the worker's `Connection: close` and a 426's Upgrade hold for the client.
        const headers = answerFields(answer.rawHeaders, status, {
          http2: false,
          clientCloses: !res.shouldKeepAlive,
          fetched: false,
        })
        answer.on('error', () => res.destroy())
        if (liveReload && req.method !== 'HEAD' && isPlainHtml(answer)) {
          return relayPage(answer, res, headers)
        }
        const trailer = answer.headers.trailer
        if (trailer !== undefined && trailersCanFollow(res, status, answer.headers)) {
          headers.push('Trailer', trailer)
        }
        res.writeHead(status, answer.statusMessage, headers)
        // Before pipe()'s own 'end' listener ends the response.
        answer.on('end', () => relayTrailers(res, answer.trailers))
        answer.pipe(res)
      },
    )
    upstream.on('information', (info) => {
      if (info.statusCode === 103) relayEarlyHints(res, info.headers)
    })
    // Once the answer has begun, its own 'error' ends the client's; a later error on the
    // request (its body cut short by the worker's close) is not the worker going away.
    upstream.on('error', () => {
      if (!answered) workerGone(res)
    })
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  }
}

/**
 * The worker answered before the client's body was all relayed (a 413 to an upload). If the
 * answer closed the connection, the rest is the client's to drop, as Node drops it (not
 * before the answer's end: an app may answer while it still reads, an echo). Otherwise the
 * rest goes on to the worker, but Node's client stops passing its socket's 'drain' on once
 * the answer is complete: passed on here until the body is out.
 */
function bodyOutlivesAnswer(req: IncomingMessage, upstream: ClientRequest): void {
  if (!upstream.shouldKeepAlive) {
    req.unpipe(upstream)
    req.resume()
    return
  }
  const socket = upstream.socket
  if (socket === null) return
  const onDrain = () => drained(upstream)
  socket.on('drain', onDrain)
  upstream.once('finish', () => socket.off('drain', onDrain))
  upstream.once('close', () => socket.off('drain', onDrain))
  // A drain between the answer's parsing and its end was not passed on either.
  if (socket.writableLength === 0) drained(upstream)
}

function isPlainHtml(answer: IncomingMessage): boolean {
  // A 204 or 304 has no body to put the script in, whatever its Content-Type says.
  if (answer.statusCode === 204 || answer.statusCode === 304) return false
  const type = answer.headers['content-type'] ?? ''
  return type.startsWith('text/html') && answer.headers['content-encoding'] === undefined
}

// An HTML page with the reload script, whole: its Content-Length is the new one.
function relayPage(answer: IncomingMessage, res: ServerResponse, headers: string[]): void {
  const chunks: Buffer[] = []
  answer.on('data', (chunk: Buffer) => chunks.push(chunk))
  answer.on('end', () => {
    const body = Buffer.from(withReloadScript(Buffer.concat(chunks).toString('utf8')))
    const kept: string[] = []
    for (let i = 0; i < headers.length; i += 2) {
      if ((headers[i] as string).toLowerCase() !== 'content-length') {
        kept.push(headers[i] as string, headers[i + 1] as string)
      }
    }
    kept.push('Content-Length', String(body.length))
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, kept)
    res.end(body)
  })
}

function workerGone(res: ServerResponse): void {
  if (res.headersSent) return void res.destroy()
  res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' })
  res.end('The dev worker went away; it is being restarted.\n')
}

export function proxyUpgrade(current: WorkerSource) {
  return async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', () => socket.destroy())
    let worker: DevWorker
    try {
      worker = await current()
    } catch {
      socket.destroy()
      return
    }
    // The client left while a worker started: its 'close' has passed, so nothing would end
    // an upstream opened now.
    if (socket.destroyed) return
    // An upgraded connection is one client's alone: its own upstream, piped both ways.
    const upstream = connect(worker.port, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`]
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (head.length > 0) upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('close', () => upstream.destroy())
    upstream.on('close', () => socket.destroy())
  }
}

// Upgrades (WebSockets) through an upstream: a connection of their own (node:http's client,
// which hands over the socket on 101 and reads any other answer as a response), then the
// two sockets piped both ways until either side closes. A refused upgrade reaches the
// client as the upstream's own answer, on a connection then closed.
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Duplex } from 'node:stream'
import { contextOf } from '../core/info.ts'
import type { ProxiedRequest } from '../core/leaf-kinds.ts'
import type { Upstream } from './core.ts'
import { upstreamError } from './failure.ts'
import { sentOf } from './forward-node.ts'
import { forwardHeaders, responseHeaders } from './headers.ts'

/** Pipes one upgrade; rejects with 502/504 before anything was written to the client. */
export function forwardUpgrade(
  up: Upstream,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const ctx = contextOf(req) as ProxiedRequest
  const target = up.origin
  // An https: upstream's upgrades go over TLS too, as its requests do through the pool.
  const tls = target.protocol === 'https:'
  const request = tls ? httpsRequest : httpRequest
  up.upgrades++
  return new Promise((resolve, reject) => {
    const outgoing = request({
      ...(up.target.socketPath === undefined
        ? { host: target.hostname, port: target.port || (tls ? 443 : 80) }
        : { socketPath: up.target.socketPath }),
      method: req.method,
      path: up.path(req.url as string),
      headers: forwardHeaders(req.rawHeaders, ctx, sentOf(req, ctx), up, true),
      agent: false,
      setHost: false,
    })
    const failed = (error: unknown) => {
      outgoing.destroy()
      // The client left first: nothing to answer, nothing to report.
      if (socket.destroyed) resolve()
      else reject(upstreamError(error, up.target.label))
    }
    outgoing.on('error', failed)
    if (up.timeout > 0) {
      outgoing.setTimeout(up.timeout, () =>
        failed(Object.assign(new Error('no answer to the upgrade'), { code: 'ETIMEDOUT' })),
      )
    }
    // The client left while we waited for the upstream. A reset closes the socket; a FIN is
    // seen only once the socket is read, so it is read now (read(0) consumes nothing: what
    // the client sent stays buffered for the pipe).
    const left = () => socket.destroy()
    socket.once('end', left)
    socket.read(0)
    socket.once('close', () => outgoing.destroy())
    outgoing.on('upgrade', (res, upstream, upstreamHead) => {
      socket.off('end', left)
      outgoing.setTimeout(0)
      outgoing.off('error', failed)
      socket.write(statusLines(res, responseHeaders(res.headers), true))
      if (upstreamHead.length > 0) socket.write(upstreamHead)
      if (head.length > 0) upstream.write(head)
      pipeBoth(socket, upstream)
      resolve()
    })
    outgoing.on('response', (res) => {
      // Refused: the upstream's answer, with its length (so a cut one shows as cut), then
      // the connection closes: a half-open client must not hold the socket and its lease.
      socket.off('end', left)
      outgoing.setTimeout(0)
      socket.write(statusLines(res, responseHeaders(res.headers), false))
      res.pipe(socket)
      res.on('error', () => socket.destroy())
      socket.once('finish', () => socket.destroy())
      resolve()
    })
    outgoing.end()
  })
}

function statusLines(
  res: IncomingMessage,
  headers: IncomingMessage['headers'],
  upgraded: boolean,
): string {
  const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}`]
  if (upgraded) {
    lines.push('Connection: Upgrade', `Upgrade: ${res.headers.upgrade ?? 'websocket'}`)
  } else lines.push('Connection: close')
  for (const name in headers) {
    const value = headers[name]
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && !/[\r\n]/.test(v)) lines.push(`${name}: ${v}`)
    }
  }
  return `${lines.join('\r\n')}\r\n\r\n`
}

// Either side closing, or failing, closes the other: no half-dead tunnel holds a socket.
function pipeBoth(a: Duplex, b: Duplex): void {
  const close = () => {
    a.destroy()
    b.destroy()
  }
  a.on('error', close)
  b.on('error', close)
  a.on('close', close)
  b.on('close', close)
  a.pipe(b)
  b.pipe(a)
}

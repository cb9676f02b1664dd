// toUpgradeListener(): upgrade (WebSocket) requests, resolved by the same rules as HTTP.
//
// Who takes the socket: a leaf's declared upgrade handler (withUpgrade(), an `upgrade`
// method); else a mounted http.Server with 'upgrade' listeners (ws/socket.io attached to it).
// Everyone else refuses with a complete HTTP/1.1 response and `Connection: close`:
//   built-ins (notFound()) answer their own status (404);
//   an app that takes no upgrades answers 400, as `ws` does for upgrades it won't handle
//   (a client error: 426 would ask the client to upgrade, 501 would alarm as a server fault);
//   bad paths/hosts 400, factory failures 503, a handler that throws before writing 500.
import { type IncomingMessage, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { type App, type Leaf, toTarget, type UpgradeHandler } from '../core/app.ts'
import { NodeContext } from '../core/context.ts'
import { describeError, type ErrorReporter, isReportable, logError } from '../core/errors.ts'
import { isThenable } from '../core/thenable.ts'
import { resolveTarget } from '../dispatch/dispatcher.ts'
import type { NodeListenerOptions } from './listener.ts'
import { originalUrlOf, prepareNodeRequest } from './request.ts'

export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

/** One upgrade request in flight. */
interface Upgrade {
  req: IncomingMessage
  socket: Duplex
  head: Buffer
  report: ErrorReporter
  /** bytesWritten when it arrived (a kept-alive socket may have carried responses before). */
  before: number
}

/** A listener for `server.on('upgrade', …)` that dispatches to `app`. */
export function toUpgradeListener(app: App, options: NodeListenerOptions = {}): UpgradeListener {
  const target = toTarget(app, 'toUpgradeListener()')
  const trustProxy = options.trustProxy ?? false
  const report = options.onError ?? logError

  return (req, socket, head) => {
    // Node hands over upgrade sockets with no 'error' listener: a reset must not crash us.
    socket.on('error', ignore)
    const u: Upgrade = { req, socket, head, report, before: bytesWritten(socket) }
    let ctx: NodeContext | undefined
    try {
      ctx = new NodeContext(req, trustProxy)
      const leaf = resolveTarget(target, ctx)
      if (leaf instanceof Promise) {
        const resolved = ctx
        leaf.then(
          (l) => invoke(l, resolved, u),
          (error) => {
            resolved.release()
            fail(error, u)
          },
        )
      } else invoke(leaf, ctx, u)
    } catch (error) {
      ctx?.release()
      fail(error, u)
    }
  }
}

function invoke(leaf: Leaf, ctx: NodeContext, u: Upgrade): void {
  const { req, socket, head } = u
  prepareNodeRequest(req, ctx)
  // The client left while an instance was created: no 'close' will come.
  if (socket.destroyed) {
    ctx.release()
    return
  }
  // Leases last as long as the connection, so no instance is disposed under a live socket.
  if (ctx.leases !== undefined) socket.once('close', () => ctx.release())
  const handler = handlerOf(leaf)
  if (handler === undefined) return void refuse(leaf, u)
  try {
    const result = handler(req, socket, head)
    if (isThenable(result)) result.then(undefined, (error) => fail(error, u))
  } catch (error) {
    fail(error, u)
  }
}

function handlerOf(leaf: Leaf): UpgradeHandler | undefined {
  if (leaf._upgrade !== undefined) return leaf._upgrade
  const server = leaf._server
  // Listeners may be attached after mounting, so this is checked per request.
  if (leaf._kind === 'server' && server !== undefined && server.listenerCount('upgrade') > 0) {
    return (req, socket, head) => server.emit('upgrade', req, socket, head)
  }
  return undefined
}

async function refuse(leaf: Leaf, u: Upgrade): Promise<void> {
  if (leaf._kind !== 'builtin' || leaf._fetch === undefined) {
    return respond(u, 400, 'This app does not accept upgrade requests\n')
  }
  try {
    // Built-ins ignore the request; their own answer says why (404 for notFound()).
    const response = await leaf._fetch(new Request('http://localhost/'))
    respond(u, response.status, await response.text())
  } catch (error) {
    fail(error, u)
  }
}

/** Reports the failure; answers with its status unless a handler had already written. */
function fail(error: unknown, u: Upgrade): void {
  const { req, socket } = u
  if (isReportable(error)) {
    u.report(error, { method: req.method ?? 'GET', url: originalUrlOf(req) })
  }
  if (socket.writableEnded || bytesWritten(socket) > u.before) return void socket.destroy()
  const { status, text } = describeError(error)
  respond(u, status, `${text}\n`)
}

function respond({ req, socket }: Upgrade, status: number, body: string): void {
  if (socket.destroyed) return
  if (!socket.writable) return void socket.destroy()
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ]
  // Destroy once flushed: a half-open client must not hold the socket (and leases).
  socket.once('finish', () => socket.destroy())
  socket.end(`${head.join('\r\n')}\r\n\r\n${req.method === 'HEAD' ? '' : body}`)
}

/** Bytes handed to a net.Socket so far (buffered ones included); other Duplexes count 0. */
function bytesWritten(socket: Duplex): number {
  return (socket as { bytesWritten?: number }).bytesWritten ?? 0
}

function ignore(): void {}

// Upgrade (WebSocket) invokers. Who takes the socket: a leaf's declared upgrade handler
// (withUpgrade(), an `upgrade` method); else a mounted http.Server with 'upgrade' listeners
// (ws or socket.io attached to it). Everyone else refuses with a complete HTTP/1.1 answer
// and `Connection: close`: built-ins answer their own status (404 for notFound()); an app
// that takes no upgrades answers 400, as `ws` does for upgrades it won't handle (426 would
// ask the client to upgrade, 501 would alarm as a server fault).
import { type IncomingMessage, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { EntryConfig } from '../core/config.ts'
import type { DispatchContext } from '../core/context.ts'
import { describeError } from '../core/errors.ts'
import type { Leaf, LeafKind } from '../core/leaf.ts'
import { countUnresolved, type DispatcherStats } from '../core/stats.ts'
import { isThenable } from '../core/thenable.ts'
import type { UpgradeHandler } from '../core/types.ts'
import { type Answerer, fail } from './funnel.ts'
import { originalUrlOf, prepareNodeRequest } from './node-request.ts'

/** One upgrade request in flight. */
export interface Upgrade {
  req: IncomingMessage
  socket: Duplex
  head: Buffer
  /** bytesWritten when it arrived (a kept-alive socket may have carried responses before). */
  before: number
}

type UpgradeInvoker<L extends Leaf> = (leaf: L, u: Upgrade) => UpgradeHandler | number

const REFUSE = 400

// What takes the upgrade for each kind without a declared handler: a handler, or a status.
const INVOKERS: { readonly [K in LeafKind]: UpgradeInvoker<Extract<Leaf, { kind: K }>> } = {
  node: () => REFUSE,
  connect: () => REFUSE,
  fetch: () => REFUSE,
  // Listeners may be attached after mounting, so this is checked per request.
  server: (leaf) =>
    leaf.server.listenerCount('upgrade') > 0
      ? (req, socket, head) => leaf.server.emit('upgrade', req, socket, head)
      : REFUSE,
  status: (leaf) => leaf.status,
  // A proxy declares its upgrade handler (it forwards upgrades): none means it takes none.
  proxy: () => REFUSE,
}

export function invokeUpgrade(
  leaf: Leaf,
  ctx: DispatchContext,
  u: Upgrade,
  config: EntryConfig,
): void {
  const { req, socket, head } = u
  ctx.leaf = leaf
  prepareNodeRequest(req, ctx)
  // The client left while an instance was created: no 'close' will come.
  if (socket.destroyed) {
    ctx.release()
    ctx.count(0, undefined)
    return
  }
  // Leases last as long as the connection, so no instance is disposed under a live socket.
  if (ctx.leased) socket.once('close', () => ctx.release())
  const handler = leaf.upgrade ?? (INVOKERS[leaf.kind] as UpgradeInvoker<Leaf>)(leaf, u)
  // Counted as handed over (101) or refused; a failing handler's 500 comes too late.
  ctx.count(typeof handler === 'number' ? handler : 101, undefined)
  if (typeof handler === 'number') {
    const text =
      handler === REFUSE ? 'This app does not accept upgrade requests' : statusText(handler)
    respond(u, handler, `${text}\n`)
    return
  }
  try {
    const result = handler(req, socket, head)
    if (isThenable(result)) result.then(undefined, (error) => failUpgrade(error, ctx, u, config))
  } catch (error) {
    failUpgrade(error, ctx, u, config)
  }
}

export function failUpgrade(
  error: unknown,
  ctx: DispatchContext | undefined,
  u: Upgrade,
  config: EntryConfig,
  root?: DispatcherStats,
): void {
  fail(error, ctx, config, upgradeAnswerer(u))
  // Before any dispatcher (a malformed target or Host), the root counts it.
  countUnresolved(ctx, describeError(error).status, root)
}

function upgradeAnswerer(u: Upgrade): Answerer<void> {
  return {
    method: u.req.method ?? 'GET',
    url: originalUrlOf(u.req),
    // A handler that wrote (a 101, a refusal) owns the socket: it can only be closed.
    started: () => u.socket.writableEnded || bytesWritten(u.socket) > u.before,
    cut: () => void u.socket.destroy(),
    answer: (_error, { status, text, headers }) => respond(u, status, `${text}\n`, headers),
  }
}

function respond(
  { req, socket }: Upgrade,
  status: number,
  body: string,
  headers?: Record<string, string>,
): void {
  if (socket.destroyed) return
  if (!socket.writable) return void socket.destroy()
  const lines = [
    `HTTP/1.1 ${status} ${statusText(status)}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ]
  for (const [name, value] of Object.entries(headers ?? {})) lines.push(`${name}: ${value}`)
  // Destroy once flushed: a half-open client must not hold the socket (and leases).
  socket.once('finish', () => socket.destroy())
  socket.end(`${lines.join('\r\n')}\r\n\r\n${req.method === 'HEAD' ? '' : body}`)
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error'
}

/** Bytes handed to a net.Socket so far (buffered ones included); other Duplexes count 0. */
export function bytesWritten(socket: Duplex): number {
  return (socket as { bytesWritten?: number }).bytesWritten ?? 0
}

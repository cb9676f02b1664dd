// Host affinity, the primary's half: the primary accepts each connection itself, reads the
// head of its first request (bounded in size and time) and hands the socket, with the bytes
// it read, to a worker chosen by the Host. Later requests on the connection stay with that
// worker, which serves any Host correctly: affinity is per connection, never a condition of
// correctness.
import type { Worker } from 'node:cluster'
import { type Server as HttpServer, maxHeaderSize } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import { FOREIGN, headEnd, headHost, MORE } from './affinity-head.ts'
import { CONNECTION, type HandedConnection } from './affinity-worker.ts'
import { listen } from './listen.ts'
import type { Rendezvous } from './rendezvous.ts'

export interface HeadRouting {
  /** Hash the last X-Forwarded-Host when present, as the dispatchers read it. */
  trustProxy: boolean
  /** Bound on receiving the first head, then 408 as Node answers (ms). */
  headersTimeout: number
  /** Heads unfinished after this many bytes go to any worker. Default: Node's limit. */
  maxHeaderSize?: number
  /**
   * Takes the connection, which no longer reads; `host` is undefined when the head names
   * none the dispatchers accept (or was not read to its end), and the worker answers it.
   */
  route(socket: Socket, head: Buffer, host: string | undefined): void
}

// Byte for byte what Node's own server sends in these cases.
const TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n'
const UNAVAILABLE =
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n'

/** Listens on `port`/`host` and routes each new connection by the head it sends first. */
export async function listenForHeads(
  routing: HeadRouting,
  port: number,
  host: string,
): Promise<Server> {
  const max = routing.maxHeaderSize ?? maxHeaderSize
  const server = createServer((socket) => readFirstHead(socket, routing, max))
  // listen() uses only what net.Server shares with http.Server.
  await listen(server as unknown as HttpServer, port, host)
  return server
}

function readFirstHead(socket: Socket, routing: HeadRouting, max: number): void {
  let buf: Buffer | undefined
  const timer = setTimeout(() => {
    stop()
    socket.end(TIMEOUT, () => socket.destroy())
  }, routing.headersTimeout)
  const onData = (chunk: Buffer) => {
    buf = buf === undefined ? chunk : Buffer.concat([buf, chunk])
    const end = headEnd(buf, max)
    if (end === MORE) return
    stop()
    stopReading(socket)
    const host =
      end === FOREIGN ? undefined : headHost(buf.toString('latin1', 0, end), routing.trustProxy)
    try {
      routing.route(socket, buf, host)
    } catch {
      socket.destroy()
    }
  }
  const onError = () => {
    stop()
    socket.destroy()
  }
  const stop = () => {
    clearTimeout(timer)
    socket.off('data', onData)
    socket.off('error', onError)
    socket.off('close', stop)
  }
  socket.on('data', onData)
  socket.on('error', onError)
  socket.on('close', stop)
}

/**
 * Stops the primary reading before the socket is sent: once a socket's handle is sent,
 * Node discards whatever the sending side still reads from it (a body, a pipelined
 * request, an EOF it would answer by ending the shared socket), so it must read nothing
 * more. `pause()` alone keeps libuv reading; stopping the handle is the only way, through
 * its (long-stable) internal `_handle.readStop()`. The stream's own read-ahead would start
 * the handle again on the next tick, so its `_read` becomes a no-op first.
 */
function stopReading(socket: Socket): void {
  socket.pause()
  ;(socket as unknown as { _read: () => void })._read = () => {}
  const handle = (socket as unknown as { _handle?: { readStop?(): number; reading?: boolean } })
    ._handle
  if (typeof handle?.readStop === 'function') {
    handle.reading = false
    handle.readStop()
  }
}

interface Queued {
  head: Buffer
  host: string | undefined
}

/**
 * Routes to the worker in charge of the host, or to any worker when there is none.
 *
 * The primary keeps its copy of each socket until the message carrying it is written
 * (`keepOpen`), then closes that copy: the worker's copy keeps the connection, and one
 * still in the channel when a worker dies goes with it, so the client sees the connection
 * close rather than hang. Node sends one handle at a time, each after the worker
 * acknowledged the last, and drops its queue when a worker dies: what was still queued for
 * a dead worker is routed again, once the ring no longer holds it.
 */
export function handOver(ring: Rendezvous<Worker>): HeadRouting['route'] {
  const queues = new Map<Worker, Map<Socket, Queued>>()
  // A worker whose channel failed a write is dying: skip it until the ring lets it go.
  const failed = new WeakSet<Worker>()
  const usable = (worker: Worker) => worker.isConnected() && !failed.has(worker)
  const route: HeadRouting['route'] = (socket, head, host) => {
    let worker = host === undefined ? undefined : ring.pick(host)
    if (worker === undefined || !usable(worker)) worker = ring.any(usable)
    if (worker === undefined) return refuseUnavailable(socket)
    const chosen = worker
    const queue = queueOf(chosen)
    queue.set(socket, { head, host })
    const message: HandedConnection = { switchyard: CONNECTION, head: head.toString('base64') }
    chosen.send(message, socket, { keepOpen: true }, (error) => {
      // Not in the queue any more: routed again when its worker died; the new send owns it.
      if (!queue.delete(socket)) return
      if (error === null) return void socket.destroy()
      failed.add(chosen)
      route(socket, head, host)
    })
  }
  const queueOf = (worker: Worker) => {
    const queue = queues.get(worker)
    if (queue !== undefined) return queue
    const created = new Map<Socket, Queued>()
    queues.set(worker, created)
    worker.once('exit', () => {
      queues.delete(worker)
      // After cluster's own 'exit' listeners, which take the worker out of the ring.
      setImmediate(() => {
        const left = [...created]
        created.clear()
        for (const [socket, again] of left) route(socket, again.head, again.host)
      })
    })
    return created
  }
  return route
}

/** For a connection no worker can take right now (all are restarting). */
function refuseUnavailable(socket: Socket): void {
  socket.on('error', () => socket.destroy())
  socket.end(UNAVAILABLE, () => socket.destroy())
}

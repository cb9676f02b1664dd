// Graceful shutdown: stop accepting, let in-flight requests finish (bounded), then go.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/**
 * A kept-alive connection idle for less than this when the server closes may be about to
 * carry the client's next request: closing it then would fail that request (the classic
 * keep-alive race). It gets this long to send one, answered with `Connection: close`.
 */
const IDLE_GRACE = 1000

interface Connection {
  inFlight: number
  /** When its last response ended (or it connected); meaningful while inFlight is 0. */
  idleSince: number
  /** Upgraded (WebSocket): no longer HTTP, only the shutdown bound ends it. */
  upgraded: boolean
}

/**
 * Tracks a server's connections and in-flight responses so that close() can drain them
 * without failing a request: in-flight responses and requests arriving on kept-alive
 * connections are answered with `Connection: close`, idle connections are closed once idle
 * for IDLE_GRACE (Node 20's server.close() would cut them at once, racing clients that are
 * sending), and what is left after the shutdown bound is destroyed.
 */
export class Drain {
  readonly #server: Server
  readonly #connections = new Map<Socket, Connection>()
  readonly #responses = new Set<ServerResponse>()
  #draining = false

  constructor(server: Server) {
    this.#server = server
    server.on('connection', (socket: Socket) => {
      this.#connections.set(socket, { inFlight: 0, idleSince: performance.now(), upgraded: false })
      socket.once('close', () => this.#connections.delete(socket))
    })
    server.on('upgrade', (req: IncomingMessage) => {
      const connection = this.#connections.get(req.socket)
      if (connection !== undefined) connection.upgraded = true
    })
  }

  /** Call first thing for each request. */
  track(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket
    const connection = this.#connections.get(socket)
    if (connection !== undefined) connection.inFlight++
    if (this.#draining) res.setHeader('Connection', 'close')
    else this.#responses.add(res)
    res.once('close', () => {
      this.#responses.delete(res)
      if (connection === undefined) return
      connection.inFlight--
      connection.idleSince = performance.now()
      if (this.#draining) this.#reap(socket, connection)
    })
  }

  /** Stops accepting, drains, and after `timeout` ms destroys whatever is still open. */
  close(timeout: number): Promise<void> {
    this.#draining = true
    const server = this.#server
    // server.close() calls closeIdleConnections(): shadow it for that call, we reap below.
    server.closeIdleConnections = () => {}
    // Closing the listener makes the kernel reset connections still in its accept queue (no
    // close keeps them): this process never read their requests, so for their clients the
    // reset means what a refusal means, and they may retry on a new connection.
    const closed = new Promise<void>((resolve) => {
      // ERR_SERVER_NOT_RUNNING (never listened, or closed by someone else) is fine here.
      server.close(() => resolve())
    })
    delete (server as Partial<Server>).closeIdleConnections
    for (const res of this.#responses) {
      if (!res.headersSent) res.setHeader('Connection', 'close')
    }
    for (const [socket, connection] of this.#connections) this.#reap(socket, connection)
    const timer = setTimeout(() => {
      for (const socket of this.#connections.keys()) socket.destroy()
    }, timeout)
    return closed.finally(() => clearTimeout(timer))
  }

  /**
   * Closes the connection once it has been idle for IDLE_GRACE, or at once if it is already
   * closing (its FIN is out: it lingers, see linger.ts, and will answer nothing more).
   */
  #reap(socket: Socket, connection: Connection): void {
    if (connection.inFlight > 0 || connection.upgraded || socket.destroyed) return
    const wait = connection.idleSince + IDLE_GRACE - performance.now()
    if (wait <= 0 || socket.writableFinished) socket.destroy()
    else setTimeout(() => this.#reap(socket, connection), wait).unref()
  }
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const

/** How long a process may linger after a graceful shutdown (timers, pools) before it exits. */
const EXIT_GRACE = 1000

/**
 * Installs SIGTERM/SIGINT handlers: the first signal runs `shutdown` and then lets the
 * process exit (forced after a short grace, should some handle keep it alive); a second
 * signal exits at once with code 1. Returns a function that removes the handlers.
 */
export function onShutdownSignals(shutdown: (signal: string) => Promise<unknown>): () => void {
  let started = false
  const uninstall = () => {
    for (const signal of SIGNALS) process.off(signal, handler)
  }
  function handler(signal: NodeJS.Signals): void {
    if (started) {
      console.error(`switchyard: ${signal} again, exiting without waiting`)
      process.exit(1)
    }
    started = true
    shutdown(signal).then(
      () => {
        uninstall()
        exitSoon()
      },
      (error: unknown) => {
        console.error('switchyard: shutdown failed:', error)
        process.exitCode = 1
        uninstall()
        exitSoon()
      },
    )
  }
  for (const signal of SIGNALS) process.on(signal, handler)
  return uninstall
}

/** Exits once the event loop is empty, or after EXIT_GRACE ms if something keeps it alive. */
export function exitSoon(): void {
  setTimeout(() => process.exit(), EXIT_GRACE).unref()
}

// Host affinity, the worker's half: connections come from the primary over IPC, with the
// bytes the primary already read, instead of from a listener of the worker's own. The same
// technique as @socket.io/sticky: emit 'connection' on the HTTP server, put the bytes back.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

/** The primary's message that comes with a handed-over socket. */
export const CONNECTION = 'switchyard:connection'

export interface HandedConnection {
  switchyard: typeof CONNECTION
  /** What the primary read of the connection, base64. */
  head: string
}

/** Serves `socket` on `server` as if the server had accepted it, `head` read first. */
export function acceptConnection(server: Server, socket: Socket, head: Buffer): void {
  server.emit('connection', socket)
  socket.unshift(head)
  // A socket paused by whoever read the head in this process flows again (a socket that
  // came over IPC is new, and flowing already).
  if (socket.isPaused()) socket.resume()
}

/**
 * A server that never listens: Node starts checking `headersTimeout` and `requestTimeout`
 * on 'listening', so the worker emits it itself (no 'listening' listener of ours reads an
 * address). Returns what the server's close must wait for: every handed-over connection
 * closed, or destroyed after `timeout` ms, since a server that never listened does not wait
 * for its connections itself.
 */
export function acceptHandedConnections(server: Server): (timeout: number) => Promise<void> {
  const open = new Set<Socket>()
  let wake: (() => void) | undefined
  const onMessage = (message: unknown, socket: unknown) => {
    if ((message as Partial<HandedConnection> | null)?.switchyard !== CONNECTION) return
    // The client may have gone before the handle arrived: Node then passes none.
    if (socket === undefined || socket === null) return
    const connection = socket as Socket
    open.add(connection)
    connection.once('close', () => {
      open.delete(connection)
      if (open.size === 0) wake?.()
    })
    acceptConnection(server, connection, Buffer.from((message as HandedConnection).head, 'base64'))
  }
  process.on('message', onMessage)
  server.emit('listening')
  return (timeout) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const connection of open) connection.destroy()
      }, timeout)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
      if (open.size === 0) wake()
    })
}

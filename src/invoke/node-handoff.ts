// What Node's HTTP code stops doing for a socket, or a message on it, that it lets go of
// while switchyard still relays through them: reading the socket, and passing its 'drain' on.
import type { OutgoingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

type Handled = Duplex & { _handle?: { reading?: boolean; readStart?(): number } | null }

/**
 * Makes sure the socket's handle reads. Node's server stops reading a socket whose answers
 * outrun the client (pipelining's flow control), and the listener that would start it again
 * goes with the parser (at an upgrade, or when the connection closes); the stream still counts
 * a read as under way (the parser read the handle, not the stream), so no later resume()
 * would start one.
 */
export function readsAgain(socket: Duplex): void {
  const handle = (socket as Handled)._handle
  if (handle?.reading === false && typeof handle.readStart === 'function' && !socket.destroyed) {
    handle.reading = true
    handle.readStart()
  }
}

let needDrain: symbol | undefined

/**
 * Tells a message waiting on its socket that the socket drained, as Node's own listener
 * would (Node takes that listener off at an upgrade, and once a client's answer is complete):
 * the message's need of a drain is cleared, then 'drain' emitted. Left set,
 * `writableNeedDrain` would hold a writer that checks it. The flag is Node's own, found by
 * name once.
 */
export function drained(message: OutgoingMessage): void {
  if (!message.writableNeedDrain) return
  needDrain ??= Object.getOwnPropertySymbols(message).find((k) => k.description === 'kNeedDrain')
  if (needDrain !== undefined) (message as unknown as Record<symbol, boolean>)[needDrain] = false
  message.emit('drain')
}

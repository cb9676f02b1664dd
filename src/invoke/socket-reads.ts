// Reading a socket again that Node's HTTP server let go of.
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

// A lingering close (as nginx's `lingering_close`), for the dev front's clients and the
// worker's connections to the front.
//
// An app that answers before reading the request (a 413 to a large upload) with
// `Connection: close` has Node close the socket as soon as the answer is written. The rest
// of the upload, still arriving, then meets a closed socket: the kernel resets the
// connection, and a sender whose next write fails before it has read the answer loses it
// (the front answered 502 instead of the 413; a Node client sees no answer at all). Here
// the FIN goes out and reading goes on (Node's parser discards the rest of the body) until
// the other side closes too, or LINGER_MS pass.
import { createServer, type RequestListener, type Server } from 'node:http'
import type { Socket } from 'node:net'

const LINGER_MS = 5000

/** http.createServer(), with connections that linger when Node closes them after an answer. */
export function lingeringServer(listener: RequestListener): Server {
  const server = createServer(listener)
  server.on('connection', (socket: Socket) => {
    // Node's server ends a connection whose answer said close with socket.destroySoon().
    socket.destroySoon = lingeringClose
  })
  return server
}

function lingeringClose(this: Socket): void {
  if (this.writable) this.end()
  // Closed as Node would have: once the answer is written.
  const close = () => (this.writableFinished ? this.destroy() : this.once('finish', this.destroy))
  if (this.readableEnded) return void close()
  const timer = setTimeout(close, LINGER_MS)
  timer.unref()
  // The sender has closed its side: nothing more will arrive to reset on.
  this.once('end', close)
  this.once('close', () => clearTimeout(timer))
}

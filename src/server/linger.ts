// A lingering close (as nginx's `lingering_close auto`), for the production and dev servers.
//
// An app that answers before reading the request (a 413 to a large upload) with
// `Connection: close` has Node close the socket as soon as the answer is written. The rest
// of the upload, still arriving, then meets a closed socket: the kernel resets the
// connection, and a sender whose next write fails before it has read the answer loses it
// (Node's fetch() gets EPIPE instead of the 413 most of the time; the dev front answered
// 502). Here the answer and the FIN go out, and what arrives after is read and dropped until
// the sender closes too, or LINGER_MS pass. Nothing read then is a request (RFC 9112 §9.6:
// a connection that is closing processes no further requests): Node's parser lets go first.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { readsAgain } from '../invoke/node-handoff.ts'

const LINGER_MS = 5000

/** Makes `server`'s connections linger when Node closes them after an answer; returns it. */
export function withLingeringClose<S extends Server>(server: S): S {
  server.on('connection', (socket: Socket) => {
    // Node's server ends a connection whose answer said close with socket.destroySoon().
    socket.destroySoon = lingeringClose
  })
  return server
}

type HttpSocket = Socket & { parser?: { incoming?: { complete: boolean } | null } | null }

function lingeringClose(this: HttpSocket): void {
  if (this.writable) this.end()
  // Closed as Node would have: once the answer is written.
  const close = () => (this.writableFinished ? this.destroy() : this.once('finish', this.destroy))
  // Only a request still arriving lingers (as nginx's `lingering_close auto`): a connection
  // whose request was received whole closes at once, as in plain Node, and holds nothing.
  const incoming = this.parser?.incoming
  if (this.readableEnded || incoming === null || incoming?.complete === true) return void close()
  // Node's listeners feed its parser and finish it at the end: neither may run again.
  this.removeAllListeners('data')
  this.removeAllListeners('end')
  this.on('data', drop)
  this.once('end', close)
  this.resume()
  readsAgain(this)
  const timer = setTimeout(close, LINGER_MS)
  timer.unref()
  this.once('close', () => clearTimeout(timer))
}

function drop(): void {}

// An in-memory socket pair, so a Node app can be served over real HTTP/1.1 without a port.
import { Duplex } from 'node:stream'

/** One end of the pair: what it writes, the peer reads, with backpressure both ways. */
export class PipeSocket extends Duplex {
  remoteAddress: string | undefined = undefined
  remotePort: number | undefined = undefined
  #peer: PipeSocket | undefined
  #blocked: (() => void) | undefined

  /** Returns two connected ends: [client, server]. */
  static pair(): [PipeSocket, PipeSocket] {
    const a = new PipeSocket()
    const b = new PipeSocket()
    a.#peer = b
    b.#peer = a
    return [a, b]
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const peer = this.#peer as PipeSocket
    if (peer.destroyed || peer.push(chunk)) callback()
    else peer.#blocked = callback
  }

  override _read(): void {
    const resume = this.#blocked
    this.#blocked = undefined
    resume?.()
  }

  override _final(callback: () => void): void {
    this.#peer?.push(null)
    callback()
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    const peer = this.#peer
    this.#peer = undefined
    this.#blocked?.()
    if (peer !== undefined && !peer.destroyed) peer.destroy()
    callback(error)
  }

  // The net.Socket surface that node:http touches.
  setNoDelay(): this {
    return this
  }
  setKeepAlive(): this {
    return this
  }
  setTimeout(): this {
    return this
  }
  ref(): this {
    return this
  }
  unref(): this {
    return this
  }
}

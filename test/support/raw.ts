// A raw HTTP/1.1 exchange over a net.Socket: any bytes out, the status line and body back.
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export interface RawReply {
  /** null: the connection closed without a response; -1: no answer in time. */
  status: number | null
  headers: Record<string, string>
  body: string
  /** Everything received, as is (header case, repeated fields, framing). */
  text: string
}

/**
 * Writes `data`, half-closes, and reads until the server closes (or `timeout` ms pass).
 * Node's server drops answers still to come once a client half-closes: for an answer made
 * asynchronously, pass `halfClose: false` and a request the server closes after.
 */
export function exchange(
  port: number,
  data: string | Buffer,
  timeout = 3000,
  halfClose = true,
): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const socket = connect(port, '127.0.0.1', () => {
      if (halfClose) socket.end(data)
      else socket.write(data)
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      socket.destroy()
    }, timeout)
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    // A reset after the answer is still an answer; errors only matter if nothing came.
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(parse(Buffer.concat(chunks).toString('latin1'), timedOut))
    })
  })
}

function parse(text: string, timedOut: boolean): RawReply {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text)
  if (m === null) return { status: timedOut ? -1 : null, headers: {}, body: '', text }
  const end = text.indexOf('\r\n\r\n')
  const headers: Record<string, string> = {}
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(m[1]), headers, body: end < 0 ? '' : text.slice(end + 4), text }
}

/** A connection kept open that gathers what it receives (latin1), for pipelined exchanges. */
export interface Conversation {
  socket: Socket
  /** Everything received so far; reset with `clear()`. */
  readonly text: string
  clear(): void
  /** Waits until `pattern` matches what was received (at most `timeout` ms), then returns it. */
  until(pattern: RegExp, timeout?: number): Promise<string>
  /** Waits until the connection is closed (at most `timeout` ms), then returns what came. */
  closed(timeout?: number): Promise<string>
}

/** Opens a conversation with 127.0.0.1:`port`; `t.after` destroys it whatever the outcome. */
export async function converse(
  port: number,
  t: { after(fn: () => void): void },
): Promise<Conversation> {
  const socket = connect(port, '127.0.0.1')
  t.after(() => socket.destroy())
  socket.on('error', () => {})
  await once(socket, 'connect')
  socket.setEncoding('latin1')
  let text = ''
  socket.on('data', (chunk: string) => {
    text += chunk
  })
  return {
    socket,
    get text() {
      return text
    },
    clear: () => {
      text = ''
    },
    async until(pattern, timeout = 3000) {
      const deadline = Date.now() + timeout
      while (!pattern.test(text) && !socket.destroyed && Date.now() < deadline) await sleep(10)
      return text
    },
    async closed(timeout = 3000) {
      const deadline = Date.now() + timeout
      while (!socket.destroyed && Date.now() < deadline) await sleep(10)
      return text
    },
  }
}

/** Sends `size` bytes of body as fast as the connection takes them, then ends; what came back. */
export function uploadTo(port: number, path: string, size: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let got = ''
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString('latin1')
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve(got))
    socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${size}\r\n\r\n`)
    const chunk = Buffer.alloc(65536, 97)
    let sent = 0
    const pump = () => {
      while (sent < size && !socket.destroyed) {
        sent += chunk.length
        if (!socket.write(chunk)) return void socket.once('drain', pump)
      }
      socket.end()
    }
    pump()
  })
}

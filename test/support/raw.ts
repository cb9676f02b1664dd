// A raw HTTP/1.1 exchange over a net.Socket: any bytes out, the status line and body back.
import { connect } from 'node:net'

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

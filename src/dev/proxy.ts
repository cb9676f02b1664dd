// The dev server's front: the listening socket stays here while workers come and go, and
// every request and upgrade is relayed to the current worker over loopback.
import { type IncomingMessage, request, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import type { Duplex } from 'node:stream'
import type { DevWorker } from './workers.ts'

// Hop-by-hop headers belong to one connection, not to the message.
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
])

export type WorkerSource = () => Promise<DevWorker>

export function proxyRequest(current: WorkerSource) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const worker = await current()
    const headers = { ...req.headers }
    for (const name of HOP) delete headers[name]
    const upstream = request(
      {
        host: '127.0.0.1',
        port: worker.port,
        method: req.method,
        path: req.url,
        headers,
        agent: worker.agent,
      },
      (answer) => {
        const raw: string[] = []
        for (let i = 0; i < answer.rawHeaders.length; i += 2) {
          const name = answer.rawHeaders[i] as string
          if (!HOP.has(name.toLowerCase())) raw.push(name, answer.rawHeaders[i + 1] as string)
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, raw)
        answer.pipe(res)
        answer.on('error', () => res.destroy())
      },
    )
    upstream.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' })
        res.end('The dev worker went away; it is being restarted.\n')
      } else res.destroy()
    })
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  }
}

export function proxyUpgrade(current: WorkerSource) {
  return async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', () => socket.destroy())
    const worker = await current()
    const upstream = connect(worker.port, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`]
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (head.length > 0) upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('close', () => upstream.destroy())
    upstream.on('close', () => socket.destroy())
  }
}

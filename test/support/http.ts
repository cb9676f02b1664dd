// Real servers on 127.0.0.1:0 and a raw HTTP client that can set any Host header
// (fetch cannot: Host is a forbidden header there).
import { type Agent, createServer, request as httpRequest, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import type { App } from '../../src/index.ts'
import { type NodeListenerOptions, toNodeListener } from '../../src/node.ts'

export interface Running {
  port: number
  server: Server
  close(): Promise<void>
}

export async function listen(app: App, options: NodeListenerOptions = {}): Promise<Running> {
  const server = createServer(toNodeListener(app, options))
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, resolve),
  )
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export interface RequestOptions {
  host?: string
  method?: string
  headers?: Record<string, string>
  body?: string | Buffer
  agent?: Agent | false
}

/** One request; `path` is sent byte for byte (no client-side normalization). */
export function send(port: number, path: string, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? 'localhost', ...options.headers },
        agent: options.agent,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Writes `head` (the request line and headers, CRLF-separated) as is; resolves the status. */
export function sendRaw(port: number, head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(`${head}\r\n\r\n`))
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      text += chunk
    })
    socket.on('end', () => resolve(Number(text.slice(9, 12))))
    socket.on('error', reject)
  })
}

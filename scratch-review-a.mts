import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect as tcp, type AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { WebSocketServer } from 'ws'
const ROOT = process.env.ROOT ?? '/work/main'
const { mount, withUpgrade, notFound } = await import(`${ROOT}/src/index.ts`)
const { toNodeListener, toUpgradeListener } = await import(`${ROOT}/src/node.ts`)

process.on('uncaughtException', (e) => { console.log('UNCAUGHT', e); })
const wss = new WebSocketServer({ noServer: true })
wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${m}`)))
const echo = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
const pending: ServerResponse[] = []
const app = mount(notFound(), {
  '/ws': withUpgrade((_q: IncomingMessage, r: ServerResponse) => r.end('ws http'), echo),
  '/sync': (_q: IncomingMessage, r: ServerResponse) => r.end('sync'),
  '/later': (_q: IncomingMessage, r: ServerResponse) => setTimeout(() => r.end('later'), 150),
  '/big': (_q: IncomingMessage, r: ServerResponse) => r.end('x'.repeat(200_000)),
  '/never': (_q: IncomingMessage, r: ServerResponse) => { pending.push(r) },
  '/body': (q: IncomingMessage, r: ServerResponse) => { let n = 0; q.on('data', (c) => n += c.length); q.on('end', () => setTimeout(() => r.end(`body ${n}`), 50)) },
})
const server = createServer(toNodeListener(app))
server.on('upgrade', toUpgradeListener(app))
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
const port = (server.address() as AddressInfo).port
const UP = 'GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'
const frame = (s: string) => Buffer.concat([Buffer.from([0x81, 0x80 | s.length, 0, 0, 0, 0]), Buffer.from(s)])
async function probe(name: string, first: string, opts: { frames?: boolean, framesLater?: number, wait?: number, reset?: number } = {}) {
  const raw = tcp(port, '127.0.0.1')
  await new Promise((r) => raw.once('connect', r))
  let buf = Buffer.alloc(0)
  raw.on('data', (c) => { buf = Buffer.concat([buf, c]) })
  raw.on('error', (e) => { buf = Buffer.concat([buf, Buffer.from(`<client error ${e.message}>`)]) })
  let closed = false
  raw.on('close', () => { closed = true })
  raw.write(first + UP + (opts.frames ? frame('a').toString('latin1') : ''), 'latin1')
  if (opts.reset !== undefined) { await sleep(opts.reset); raw.resetAndDestroy(); await sleep(300); console.log(name, 'reset done; server listening:', server.listening); return }
  if (opts.framesLater !== undefined) { await sleep(opts.framesLater); raw.write(frame('b')) }
  await sleep(opts.wait ?? 800)
  const text = buf.toString('latin1')
  const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => m[1])
  const echoes = [...text.matchAll(/echo:(\w)/g)].map((m) => m[1])
  console.log(name, 'statuses', statuses.join(','), 'echoes', echoes.join(','), 'closed', closed, 'len', buf.length)
  if (process.env.V) console.log(JSON.stringify(text.replace(/x{100,}/g, '<x…>')))
  raw.destroy()
}
const G = (p: string, extra = '') => `GET ${p} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`
await probe('mixed', G('/sync') + G('/later') + 'POST /body HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello' + 'HEAD /sync HTTP/1.1\r\nHost: localhost\r\n\r\n' + G('/later'), { frames: true, framesLater: 50 })
await probe('backpressure', G('/later') + G('/big') + G('/sync'), { framesLater: 50 })
await probe('backpressure2', G('/big') + G('/later') + G('/sync'), { framesLater: 50 })
await probe('conn-close', G('/later', 'Connection: close\r\n'), { framesLater: 50 })
await probe('http10', 'GET /later HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n', { framesLater: 50 })
await probe('never', G('/never'), { framesLater: 50, wait: 400 })
await probe('reset-waiting', G('/never'), { reset: 50 })
await probe('reset-waiting-later', G('/later'), { reset: 50 })
console.log('pending never', pending.length, pending.map((r) => r.destroyed))
server.closeAllConnections(); server.close()
setTimeout(() => process.exit(0), 500)

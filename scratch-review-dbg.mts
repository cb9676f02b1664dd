import { createServer, ServerResponse, type IncomingMessage } from 'node:http'
import { connect as tcp, Socket, type AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { WebSocketServer } from 'ws'
const { mount, withUpgrade, notFound } = await import(`/work/main/src/index.ts`)
const { toNodeListener, toUpgradeListener } = await import(`/work/main/src/node.ts`)
const wss = new WebSocketServer({ noServer: true })
wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${m}`)))
const origEmit = ServerResponse.prototype.emit
ServerResponse.prototype.emit = function (this: any, ev: string, ...a: unknown[]) { if (ev === 'finish' || ev === 'close') console.log('res', this.req.method, this.req.url, ev); return origEmit.call(this, ev, ...a) } as any
const origWrite = Socket.prototype.write
let srvSock: any
Socket.prototype.write = function (this: any, d: any, ...a: any[]) { if (this === srvSock) console.log('sock.write', JSON.stringify(String(d).slice(0, 20)), 'corked', this.writableCorked); return (origWrite as any).call(this, d, ...a) } as any
const app = mount(notFound(), {
  '/ws': withUpgrade((_q: IncomingMessage, r: ServerResponse) => r.end('ws http'), (req: any, socket: any, head: any) => { console.log('dispatch upgrade'); wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)) }),
  '/sync': (_q: IncomingMessage, r: ServerResponse) => r.end('sync'),
  '/later': (_q: IncomingMessage, r: ServerResponse) => setTimeout(() => r.end('later'), 150),
  '/body': (q: IncomingMessage, r: ServerResponse) => { let n = 0; q.on('data', (c) => n += c.length); q.on('end', () => setTimeout(() => r.end(`body ${n}`), 50)) },
})
const server = createServer(toNodeListener(app))
server.on('connection', (s) => { srvSock = s })
server.on('upgrade', (_req, socket: any) => { const m = socket._httpMessage; console.log('upgrade event; _httpMessage', m?.req?.method, m?.req?.url, 'wf', m?.writableFinished) })
server.on('upgrade', toUpgradeListener(app))
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
const port = (server.address() as AddressInfo).port
const UP = 'GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'
const G = (p: string, extra = '') => `GET ${p} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`
const raw = tcp(port, '127.0.0.1')
await new Promise((r) => raw.once('connect', r))
raw.write(G('/sync') + G('/later') + 'POST /body HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello' + 'HEAD /sync HTTP/1.1\r\nHost: localhost\r\n\r\n' + G('/later') + UP)
await sleep(600)
process.exit(0)

// Upgrade (WebSocket) dispatch over real sockets and real `ws` clients: the same rules as
// HTTP, clean refusals, and leases on lazy instances held for the socket's lifetime.
import assert from 'node:assert/strict'
import { EventEmitter, once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type AddressInfo, connect as tcp } from 'node:net'
import { type Duplex, Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import express from 'express'
import WebSocket, { WebSocketServer } from 'ws'
import { fetchApp, mount, mountInfo, notFound, subdomains, withUpgrade } from '../src/index.ts'
import { toNodeListener, toUpgradeListener } from '../src/node.ts'
import { converse } from './support/raw.ts'

/** A noServer `ws` echo, tagging replies with `tag` and what the app saw of the request. */
function echo(tag: string) {
  const wss = new WebSocketServer({ noServer: true })
  wss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(reply(tag, req, m))))
  return (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
}

const reply = (tag: string, req: IncomingMessage, message: unknown) =>
  `${tag} ${req.url} ${req.headers['x-forwarded-prefix']} ${mountInfo(req)?.basePath}: ${message}`

const errors: unknown[] = []
const created: string[] = []
const events = new EventEmitter()
const disposedKeys: string[] = []
const boom = new Error('boom')
let openGate = () => {}
const gate = new Promise<void>((resolve) => {
  openGate = resolve
})

// ws attached to an unlistened server, as socket.io or `new WebSocketServer({ server })` does.
const inner = createServer((req, res) => res.end(`inner http ${req.url}`))
const innerWss = new WebSocketServer({ server: inner, path: '/room' })
innerWss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(reply('inner', req, m))))

const tenants = subdomains(
  'example.com',
  async (key) => {
    if (key === 'bad') throw new Error('tenant store down')
    if (key === 'none') return null
    if (key === 'slow') {
      events.emit('slow')
      await gate
      return fetchApp(() => new Response('no upgrades'))
    }
    created.push(key)
    return withUpgrade(
      fetchApp(() => new Response(`tenant ${key}`)),
      echo(key),
    )
  },
  {
    dispose: (_app, key) => {
      disposedKeys.push(key)
      events.emit('dispose', key)
    },
  },
)
tenants.on('error', () => {})

const nodeWithUpgrade = Object.assign(
  (_req: IncomingMessage, res: { end(s: string): void }) => res.end('fn http'),
  { upgrade: echo('fn') },
)

const app = mount(tenants, {
  '/ws': inner,
  '/fn': nodeWithUpgrade,
  '/bare': createServer(),
  '/api': { fetch: () => new Response('api') },
  '/later': (_req: IncomingMessage, res: { end(s: string): void }) =>
    setTimeout(() => res.end('later'), 150),
  '/now': (_req: IncomingMessage, res: { end(s: string): void }) => res.end('now'),
  '/big': (_req: IncomingMessage, res: { end(s: string): void }) => res.end('b'.repeat(200_000)),
  // 4 MiB in 1 KiB writes, each once `writableNeedDrain` is false.
  '/need-drain': async (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-length': String(4096 * 1024) })
    for (let i = 0; i < 4096; i++) {
      if (res.writableNeedDrain) await once(res, 'drain')
      res.write(Buffer.alloc(1024, 100))
    }
    res.end()
  },
  // 1 MiB in 64 KiB chunks, piped: written as the socket drains.
  '/stream': (_req: IncomingMessage, res: NodeJS.WritableStream) =>
    Readable.from(Array.from({ length: 16 }, () => Buffer.alloc(65536, 115))).pipe(res),
  // Never answers; says when its client is gone.
  '/never': (req: IncomingMessage, res: EventEmitter) => {
    res.on('close', () => events.emit('never closed'))
    req.on('close', () => events.emit('never request closed'))
  },
  '/express': express().get('/', (_req, res) => res.send('express')),
  '/throw': withUpgrade(notFound(), () => {
    throw boom
  }),
  '/reject': { fetch: () => new Response('r'), upgrade: async () => Promise.reject(boom) },
})

let server: Server
let port: number

before(async () => {
  const options = { onError: (error: unknown) => errors.push(error) }
  server = createServer(toNodeListener(app, options))
  server.on('upgrade', toUpgradeListener(app, options))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

after(async () => {
  innerWss.close()
  await app.close()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

function connect(path: string, host = 'localhost'): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host } })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.on('error', reject)
  })
}

async function ask(ws: WebSocket, text: string): Promise<string> {
  const answer = once(ws, 'message')
  ws.send(text)
  return String((await answer)[0])
}

async function close(ws: WebSocket): Promise<void> {
  const closed = once(ws, 'close')
  ws.close()
  await closed
}

/** Status, body and Connection header of a refused upgrade. */
function refused(path: string, host = 'localhost'): Promise<[number, string, string]> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host } })
  return new Promise((resolve, reject) => {
    ws.on('error', reject)
    ws.once('open', () => {
      ws.terminate()
      reject(new Error(`${path} was upgraded`))
    })
    ws.once('unexpected-response', (req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => {
        resolve([res.statusCode ?? 0, body, String(res.headers.connection)])
        req.destroy()
      })
    })
  })
}

describe('toUpgradeListener', () => {
  it('hands upgrades to a mounted http.Server with req.url rewritten; HTTP still works', async () => {
    const ws = await connect('/ws/room?x=1')
    assert.equal(await ask(ws, 'hi'), 'inner /room?x=1 /ws /ws: hi')
    assert.equal(await ask(ws, 'again'), 'inner /room?x=1 /ws /ws: again')
    await close(ws)
    const base = `http://127.0.0.1:${port}`
    assert.equal(await (await fetch(`${base}/ws/room`)).text(), 'inner http /room')
    assert.equal(await (await fetch(`${base}/api`)).text(), 'api')
    assert.equal(await (await fetch(`${base}/fn`)).text(), 'fn http')
  })

  it('uses an `upgrade` property declared on a Node handler function', async () => {
    const ws = await connect('/fn/chat')
    assert.equal(await ask(ws, 'yo'), 'fn /chat /fn /fn: yo')
    await close(ws)
  })

  it('refuses what cannot take an upgrade with a complete response, and keeps serving', async () => {
    const cannot = 'This app does not accept upgrade requests\n'
    assert.deepEqual(await refused('/nope'), [404, 'Not Found\n', 'close'])
    assert.deepEqual(await refused('/api'), [400, cannot, 'close'])
    assert.deepEqual(await refused('/express'), [400, cannot, 'close'])
    assert.deepEqual(await refused('/bare'), [400, cannot, 'close'])
    assert.equal((await refused('/ws/elsewhere'))[0], 400) // ws's own answer for its path
    const [status, body] = await refused('/%zz')
    assert.equal(status, 400)
    assert.match(body, /percent|%/i)
    assert.equal((await refused('/', 'bad!host'))[0], 400)
    assert.equal((await refused('/', 'none.example.com'))[0], 404)
    assert.equal((await refused('/', 'bad.example.com'))[0], 503)
    assert.deepEqual(errors, []) // client errors are not app failures; 503 is logged by the cache
    const ws = await connect('/ws/room')
    assert.equal(await ask(ws, 'still'), 'inner /room /ws /ws: still')
    await close(ws)
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/api`)).text(), 'api')
  })

  it('answers 500 for a handler that throws or rejects, reporting each once', async () => {
    errors.length = 0
    assert.deepEqual(await refused('/throw'), [500, 'Internal Server Error\n', 'close'])
    assert.deepEqual(errors, [boom])
    assert.equal((await refused('/reject'))[0], 500)
    assert.deepEqual(errors, [boom, boom])
  })

  it('gives each tenant its own instance, kept until its last socket closes', async () => {
    const a = await connect('/', 'a.example.com')
    const b = await connect('/x', 'b.example.com')
    assert.equal(await ask(a, 'hi'), 'a / undefined : hi')
    assert.equal(await ask(b, 'hi'), 'b /x undefined : hi')
    assert.equal(tenants.invalidate('a'), true)
    const a2 = await connect('/', 'a.example.com')
    assert.deepEqual(created, ['a', 'b', 'a'])
    assert.equal(await ask(a, 'still there'), 'a / undefined : still there')
    assert.deepEqual(disposedKeys, [])
    const gone = once(events, 'dispose')
    await close(a)
    assert.deepEqual(await gone, ['a'])
    assert.equal(await ask(a2, 'new'), 'a / undefined : new')
    await Promise.all([close(a2), close(b)])
    assert.deepEqual(disposedKeys, ['a'])
  })
  it('survives a client that resets while its instance is created, and releases the lease', async () => {
    const raw = tcp(port, '127.0.0.1')
    await once(raw, 'connect')
    const entered = once(events, 'slow')
    raw.write(
      'GET / HTTP/1.1\r\nHost: slow.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    )
    await entered
    raw.resetAndDestroy()
    await sleep(20)
    openGate()
    const inFlight = () => tenants.instances().find((i) => i.key === 'slow')?.inFlight
    for (let i = 0; i < 100 && inFlight() !== 0; i++) await sleep(10)
    assert.equal(inFlight(), 0)
    assert.equal((await refused('/', 'slow.example.com'))[0], 400) // the server lives on
  })

  const UPGRADE =
    'GET /fn/chat HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'
  // A masked text frame "yo" (a zero mask).
  const FRAME = Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x79, 0x6f])

  for (const [before, bodies] of [
    [
      ['/later', '/later'],
      ['later', 'later'],
    ],
    [
      ['/now', '/now'],
      ['now', 'now'],
    ],
    [
      ['/later', '/now', '/now'],
      ['later', 'now', 'now'],
    ],
  ] as const) {
    it(`answers ${before.join(', ')} pipelined before an upgrade first, then hands it over`, async (t) => {
      const c = await converse(port, t)
      // The requests, the upgrade and a first frame, in one write: the frame is the head.
      const requests = before.map((path) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`)
      c.socket.write(Buffer.concat([Buffer.from(requests.join('') + UPGRADE, 'latin1'), FRAME]))
      const text = await c.until(/fn \/chat \/fn \/fn: yo$/)
      const answers = text.split(/(?=HTTP\/1\.1 )/)
      assert.equal(answers.length, before.length + 1, text)
      for (const [i, body] of bodies.entries()) {
        assert.match(answers[i] as string, new RegExp(`^HTTP/1\\.1 200 [\\s\\S]*\r\n\r\n${body}$`))
      }
      // The 101, then the echo of the frame sent before it, unmasked.
      assert.match(
        answers.at(-1) as string,
        /^HTTP\/1\.1 101 [\s\S]*\r\n\r\n..fn \/chat \/fn \/fn: yo$/,
      )
      c.clear()
      c.socket.write(FRAME)
      assert.equal((await c.until(/yo/)).slice(2), 'fn /chat /fn /fn: yo')
    })
  }

  it('reads on after an upgrade pipelined behind an answer that filled the socket', async (t) => {
    // Node stops reading a socket whose answers outrun the client, and its resume goes with
    // the parser at the upgrade: the upgraded connection must not be left unread.
    const c = await converse(port, t)
    const requests = 'GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n'.repeat(3)
    c.socket.write(`${requests}GET /now HTTP/1.1\r\nHost: localhost\r\n\r\n${UPGRADE}`)
    const text = await c.until(/HTTP\/1\.1 101 [\s\S]*\r\n\r\n$/)
    assert.equal(text.split(/(?=HTTP\/1\.1 )/).length, 5)
    for (let i = 0; i < 3; i++) {
      c.clear()
      c.socket.write(FRAME)
      assert.equal((await c.until(/yo/)).slice(2), 'fn /chat /fn /fn: yo')
    }
  })

  it('hands an upgrade over after a piped answer before it that waits on the socket draining', async (t) => {
    const c = await converse(port, t)
    c.socket.write(`GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\n${UPGRADE}`)
    const text = await c.until(/HTTP\/1\.1 101 [\s\S]*\r\n\r\n$/, 5000)
    const [streamed, switched] = text.split(/(?=HTTP\/1\.1 )/)
    assert.match(streamed ?? '', /^HTTP\/1\.1 200 [\s\S]*\r\n\r\n/)
    assert.match(switched ?? '', /^HTTP\/1\.1 101 /)
    assert.ok((streamed ?? '').endsWith(`${'s'.repeat(65536)}\r\n0\r\n\r\n`), 'the whole answer')
    c.clear()
    c.socket.write(FRAME)
    assert.equal((await c.until(/yo/)).slice(2), 'fn /chat /fn /fn: yo')
  })

  for (const how of ['closes', 'resets'] as const) {
    it(`lets a client go that ${how} while its upgrade waits behind an answer`, async (t) => {
      const c = await converse(port, t)
      const left = Promise.all([once(events, 'never closed'), once(events, 'never request closed')])
      c.socket.write(`GET /never HTTP/1.1\r\nHost: localhost\r\n\r\n${UPGRADE}`)
      await sleep(50)
      if (how === 'closes') c.socket.end()
      else c.socket.resetAndDestroy()
      const timeout = sleep(2000).then(() => 'still waiting')
      assert.notEqual(await Promise.race([left, timeout]), 'still waiting')
      await c.closed()
      assert.ok(c.socket.destroyed)
    })
  }

  it('tells an answer that waits on writableNeedDrain that the socket drained', async (t) => {
    const c = await converse(port, t)
    c.socket.pause() // a client that reads late: the answer meets back-pressure
    c.socket.write(`GET /need-drain HTTP/1.1\r\nHost: localhost\r\n\r\n${UPGRADE}`)
    await sleep(300)
    c.socket.resume()
    const text = await c.until(/HTTP\/1\.1 101 [\s\S]*\r\n\r\n$/, 5000)
    // The whole answer (4 MiB of `d`), then the 101.
    const at = text.indexOf('HTTP/1.1 101 ')
    assert.ok(at > 4096 * 1024, `the 101 at ${at}`)
    assert.equal(text.slice(at - 1024, at), 'd'.repeat(1024))
    c.clear()
    c.socket.write(FRAME)
    assert.equal((await c.until(/yo/)).slice(2), 'fn /chat /fn /fn: yo')
  })
})

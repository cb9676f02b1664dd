// upstream(): requests and upgrades forwarded to a real HTTP server in this process's place
// of another (a plain node:http server on its own port), through both entries.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { WebSocket, WebSocketServer } from 'ws'
import { mount } from '../src/index.ts'
import { toUpgradeListener, upstream } from '../src/node.ts'
import { listen, type Running, send } from './support/http.ts'

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
}

let origin: Server
let originPort: number
let front: Running
let seen: Seen[] = []
const errors: unknown[] = []

before(async () => {
  origin = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    if (req.url?.startsWith('/sha')) {
      const hash = createHash('sha256')
      req.on('data', (chunk) => hash.update(chunk))
      req.on('end', () => res.end(hash.digest('hex')))
      return
    }
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/elsewhere', connection: 'x-private', 'x-private': '1' })
      return res.end()
    }
    if (req.url === '/cookies') {
      res.setHeader('set-cookie', ['a=1', 'b=2'])
      return res.end('ok')
    }
    if (req.url === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: one\n\n')
      return setTimeout(() => res.end('data: two\n\n'), 50)
    }
    if (req.url === '/break') {
      res.writeHead(200, { 'content-length': '100' })
      res.write('partial')
      return setTimeout(() => res.socket?.destroy(), 20)
    }
    if (req.url === '/slow') return setTimeout(() => res.end('late'), 2000)
    res.end(JSON.stringify({ url: req.url }))
  })
  const wss = new WebSocketServer({ server: origin })
  wss.on('connection', (ws, req) => {
    ws.send(`hello ${req.url}`)
    ws.on('message', (data) => ws.send(`echo ${data}`))
  })
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve))
  originPort = (origin.address() as AddressInfo).port
  const app = mount(() => new Response('front'), {
    '/legacy': upstream(`http://127.0.0.1:${originPort}`, { timeout: '500ms' }),
    '/based': upstream(`http://127.0.0.1:${originPort}/base/`),
    '/kept': upstream(`http://127.0.0.1:${originPort}`, { preserveHost: true }),
    '/dead': upstream('http://127.0.0.1:1'),
  })
  front = await listen(app, { onError: (error) => errors.push(error) })
  front.server.on('upgrade', toUpgradeListener(app))
})

after(async () => {
  await front.close()
  origin.closeAllConnections()
  await new Promise((resolve) => origin.close(resolve))
})

describe('upstream through the Node entry', () => {
  test('the upstream sees the rest, the forwarding headers, its own Host, no hop-by-hop field', async () => {
    seen = []
    const reply = await send(front.port, '/legacy/a/b?q=1', {
      host: 'example.localhost:8080',
      headers: {
        connection: 'keep-alive, x-secret',
        'x-secret': 'hop',
        'keep-alive': 'timeout=5',
        'x-forwarded-host': 'evil.com',
        'x-forwarded-for': '6.6.6.6',
        'x-kept': 'yes',
      },
    })
    assert.equal(reply.status, 200)
    assert.deepEqual(JSON.parse(reply.body), { url: '/a/b?q=1' })
    const h = seen[0]?.headers ?? {}
    assert.equal(h.host, `127.0.0.1:${originPort}`)
    assert.equal(h['x-forwarded-host'], 'example.localhost:8080')
    assert.equal(h['x-forwarded-for'], '127.0.0.1')
    assert.equal(h['x-forwarded-proto'], 'http')
    assert.equal(h['x-forwarded-prefix'], '/legacy')
    assert.equal(h['x-kept'], 'yes')
    assert.equal(h['x-secret'], undefined)
    assert.equal(h['keep-alive'], undefined)
  })

  test('a target URL with a path prefixes it; preserveHost sends the client Host', async () => {
    seen = []
    await send(front.port, '/based/x', { host: 'a.localhost' })
    assert.equal(seen[0]?.url, '/base/x')
    await send(front.port, '/kept/', { host: 'b.localhost:5000' })
    assert.equal(seen[1]?.headers.host, 'b.localhost:5000')
  })

  test('response fields pass, hop-by-hop and Connection-named ones do not; Set-Cookie stays a list', async () => {
    const r = await send(front.port, '/legacy/redirect')
    assert.equal(r.status, 302)
    assert.equal(r.headers.location, '/elsewhere')
    assert.equal(r.headers['x-private'], undefined)
    const c = await send(front.port, '/legacy/cookies')
    assert.deepEqual(c.headers['set-cookie'], ['a=1', 'b=2'])
  })

  test('a body streams through intact', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 7)
    const r = await send(front.port, '/legacy/sha', { method: 'POST', body })
    assert.equal(r.body, createHash('sha256').update(body).digest('hex'))
  })

  test('a refused upstream answers 502 with a clear body, once in the log, and the server goes on', async () => {
    errors.length = 0
    const r = await send(front.port, '/dead/x')
    assert.equal(r.status, 502)
    assert.match(r.body, /Bad Gateway: the upstream app is not reachable/)
    assert.equal(errors.length, 1)
    assert.equal((await send(front.port, '/legacy/')).status, 200)
  })

  test('the default log gives a refused upstream one line: method, path, status, cause', async (t) => {
    const logged = t.mock.method(console, 'error', () => {})
    const quiet = await listen(mount(null, { '/dead': upstream('http://127.0.0.1:1') }))
    try {
      assert.equal((await send(quiet.port, '/dead/x')).status, 502)
    } finally {
      await quiet.close()
    }
    assert.equal(logged.mock.callCount(), 1)
    const line = logged.mock.calls[0]?.arguments.join(' ') ?? ''
    assert.equal(line.includes('\n'), false, line)
    assert.match(line, /GET \/dead\/x failed: 502 Bad Gateway: .*ECONNREFUSED/)
  })

  test('no answer within the timeout is a 504', async () => {
    const r = await send(front.port, '/legacy/slow')
    assert.equal(r.status, 504)
    assert.match(r.body, /did not answer in time/)
  })

  test('a response that breaks off mid-body is cut, not completed', async () => {
    await assert.rejects(send(front.port, '/legacy/break'))
  })

  test('SSE flows unbuffered', async () => {
    const res = await fetch(`http://127.0.0.1:${front.port}/legacy/sse`)
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const first = await reader.read()
    assert.match(new TextDecoder().decode(first.value), /data: one/)
    await reader.cancel()
  })

  test('a WebSocket is piped both ways, under the mount', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${front.port}/legacy/room`)
    const messages: string[] = []
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        messages.push(String(data))
        if (messages.length === 1) ws.send('ping')
        else resolve()
      })
      ws.on('error', reject)
    })
    ws.close()
    assert.deepEqual(messages, ['hello /room', 'echo ping'])
  })
})

describe('upstream through the Fetch entry', () => {
  test('the rest, the forwarding headers and the body reach the upstream', async () => {
    seen = []
    const app = mount(() => new Response('front'), {
      '/legacy': upstream(`http://127.0.0.1:${originPort}`),
    })
    const r = await app.fetch(new Request('http://tenant.localhost:5000/legacy/q?x=1'))
    assert.deepEqual(await r.json(), { url: '/q?x=1' })
    assert.equal(seen[0]?.headers['x-forwarded-host'], 'tenant.localhost:5000')
    assert.equal(seen[0]?.headers['x-forwarded-prefix'], '/legacy')
    const body = new Uint8Array(1024 * 1024).fill(3)
    const posted = await app.fetch(
      new Request('http://localhost/legacy/sha', { method: 'POST', body }),
    )
    assert.equal(await posted.text(), createHash('sha256').update(body).digest('hex'))
    const dead = await mount(() => new Response(''), {
      '/d': upstream('http://127.0.0.1:1'),
    }).fetch(new Request('http://localhost/d/'))
    assert.equal(dead.status, 502)
    await app.close()
  })
})

test('an answer the upstream ends by closing the connection ends through both entries', async () => {
  // No Content-Length, no chunking: the body runs to the close (what Django's runserver does).
  const { createServer: createTcp } = await import('node:net')
  const tcp = createTcp((socket) => {
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nhello ')
      setTimeout(() => socket.end('world'), 20)
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  const app = mount(null, {
    '/u': upstream(`http://127.0.0.1:${(tcp.address() as AddressInfo).port}`),
  })
  const running = await listen(app)
  try {
    const viaFetch = await app.fetch(new Request('http://localhost/u/'))
    assert.equal(await viaFetch.text(), 'hello world')
    assert.equal((await send(running.port, '/u/')).body, 'hello world')
  } finally {
    await running.close()
    await app.close()
    tcp.close()
  }
})

test('upstream() validates its target and options', () => {
  assert.throws(() => upstream('nope'), /not a URL/)
  assert.throws(() => upstream('ftp://x'), /http: or https:/)
  assert.throws(() => upstream({ socketPath: '' }), /socketPath/)
  assert.throws(() => upstream('http://x', { connections: 0 }), /connections/)
  assert.throws(() => upstream('http://x', { timeout: 'soon' }), /timeout/)
})

test('a kept-alive connection the upstream drops as the next request arrives: a GET is sent again, a POST is not', async () => {
  // Answers the first request on each connection and drops the connection at the second,
  // unread: what a server's idle timeout does to a request sent in the same instant.
  const { createServer: createTcp } = await import('node:net')
  const tcp = createTcp((socket) => {
    let requests = 0
    let buffered = ''
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1')
      while (buffered.includes('\r\n\r\n')) {
        const end = buffered.indexOf('\r\n\r\n') + 4
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0)
        buffered = buffered.slice(end + length)
        if (++requests > 1) return socket.destroy()
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
      }
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  const app = mount(null, {
    '/u': upstream(`http://127.0.0.1:${(tcp.address() as AddressInfo).port}`, { connections: 1 }),
  })
  const running = await listen(app, { onError: () => {} })
  try {
    for (let i = 0; i < 3; i++) assert.equal((await send(running.port, '/u/')).body, 'ok')
    const posted = await send(running.port, '/u/', { method: 'POST', body: 'x' })
    assert.equal(posted.status, 502)
  } finally {
    await running.close()
    await app.close()
    tcp.close()
  }
})

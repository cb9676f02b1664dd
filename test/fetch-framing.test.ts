// A Fetch answer's body is its content, so the Node entry frames it and keeps the
// connection itself: connection-specific fields a Response names (set by hand, or copied
// from an upstream fetch()) are left out. Before, a small answer naming a Transfer-Encoding
// went out with a Content-Length beside it (undici refuses it,
// HPE_UNEXPECTED_CONTENT_LENGTH; RFC 9112 §6.3 reads it as a sign of response splitting),
// an HTTP/1.0 client got chunk framing as its body, an upstream's `Connection: keep-alive`
// kept open a connection the client had asked to close, and a Trailer announcement failed
// the answer. Hono's stream() (which Node chunks) shows that streams still stream. Also run
// with the global override off (override-off.test.ts).
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import { NodeResponse } from 'srvx/node'
import { mount } from '../src/index.ts'
import { toNodeListener } from '../src/node.ts'
import { OVERRIDE_GLOBALS } from './support/entries.ts'
import { exchange } from './support/raw.ts'

const CHUNKED = 'chunked'

describe('Fetch answers that name a Transfer-Encoding, behind the Node entry', () => {
  // A real upstream that answers in chunks: its fetch() Response names the chunking undone.
  const upstream = createServer((req, res) => {
    if (req.url === '/closing') res.setHeader('connection', 'close')
    if (req.url === '/426') {
      res.writeHead(426, { upgrade: 'websocket', connection: 'upgrade, close' })
      return void res.end('upgrade')
    }
    if (req.url === '/trailer') {
      res.setHeader('Trailer', 'Server-Timing')
      res.addTrailers({ 'Server-Timing': 'total;dur=1' })
    }
    res.write('hel')
    res.end('lo')
  })
  let upstreamUrl = ''
  const hono = new Hono()
    .get('/stream', (c) =>
      stream(c, async (s) => {
        await s.write('hel')
        await s.write('lo')
      }),
    )
    .get('/ws', (c) =>
      c.text('Upgrade Required', 426, { Upgrade: 'websocket', Connection: 'Upgrade' }),
    )
  const apps = {
    '/object': () =>
      new Response('hello', {
        headers: { 'Transfer-Encoding': CHUNKED, 'content-type': 'text/plain' },
      }),
    '/headers': () =>
      new Response('hello', { headers: new Headers({ 'transfer-encoding': CHUNKED }) }),
    '/pairs': () =>
      new Response(new TextEncoder().encode('hello'), {
        headers: [['transfer-encoding', CHUNKED]],
      }),
    '/copied': async () => {
      const answer = await fetch(upstreamUrl)
      assert.equal(answer.headers.get('transfer-encoding'), CHUNKED)
      return new Response(await answer.text(), { headers: answer.headers })
    },
    '/srvx': () =>
      new NodeResponse('hello', {
        headers: {
          'transfer-encoding': CHUNKED,
          'content-length': '3',
          connection: 'x-b',
          'x-b': '1',
        },
      }),
    // The length is the stale field: the Transfer-Encoding overrode it.
    '/both': () =>
      new Response('hello world', {
        headers: { 'content-length': '5', 'transfer-encoding': CHUNKED },
      }),
    '/passed': () => fetch(`${upstreamUrl}trailer`),
    // The upstream closes its own connection; the client's is not the upstream's to close.
    '/passed-close': () => fetch(`${upstreamUrl}closing`),
    '/passed-426': () => fetch(`${upstreamUrl}426`),
    '/keep-alive': () =>
      new Response('hello', { headers: { connection: 'keep-alive', 'keep-alive': 'timeout=99' } }),
    '/close': () =>
      new Response('hello', { headers: { connection: 'close', 'transfer-encoding': CHUNKED } }),
    // An upstream's offer to switch protocols (copied) is not this server's to make.
    '/h2c': () => new Response('hello', { headers: { upgrade: 'h2,h2c', connection: 'Upgrade' } }),
    // A string body implies text/plain, whatever else the app's fields say.
    '/typed': () =>
      new Response('hello', {
        headers: [
          ['keep-alive', 'timeout=5'],
          ['x-a', '1'],
        ],
      }),
    // Not a plain object: @hono/node-server alone writes none of its fields.
    '/map': () =>
      new Response('hello', {
        headers: new Map([
          ['x-a', '1'],
          ['set-cookie', 'a=1'],
        ]) as unknown as Headers,
      }),
    '/hono': hono,
  }
  let server: Server
  let port = 0
  before(async () => {
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`
    server = createServer(
      toNodeListener(mount(null, apps), { overrideGlobalObjects: OVERRIDE_GLOBALS }),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  after(() => {
    server.close()
    upstream.close()
  })

  /** The answer to `request` on a connection the server closes at once after it. */
  async function closedAtOnce(request: string) {
    const started = Date.now()
    const reply = await exchange(port, request, 4000, false)
    assert.ok(Date.now() - started < 2000, `closed at once, not after ${Date.now() - started} ms`)
    return reply
  }

  // A 426 keeps its Upgrade: asserted on its own below.
  const paths = [
    ...Object.keys(apps).filter((p) => p !== '/hono' && p !== '/passed-426'),
    '/hono/stream',
  ]
  const expected = (path: string) => (path === '/both' ? 'hello world' : 'hello')
  for (const path of paths) {
    it(`GET ${path}: one framing over HTTP/1.1, the connection closed as asked, read whole by a strict client`, async () => {
      const reply = await closedAtOnce(
        `GET ${path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`,
      )
      assert.equal(reply.status, 200)
      const framings = ['content-length', 'transfer-encoding'].filter((f) => f in reply.headers)
      assert.equal(framings.length, 1, `exactly one framing field, got ${reply.text}`)
      assert.equal(reply.headers.connection, 'close')
      for (const field of ['keep-alive', 'trailer', 'upgrade', 'x-b'])
        assert.equal(reply.headers[field], undefined)
      const answer = await fetch(`http://127.0.0.1:${port}${path}`)
      assert.equal(await answer.text(), expected(path))
    })

    it(`GET ${path}: an HTTP/1.0 client gets the body itself, no chunk framing`, async () => {
      const reply = await exchange(
        port,
        `GET ${path} HTTP/1.0\r\nHost: a.test\r\n\r\n`,
        4000,
        false,
      )
      assert.equal(reply.status, 200)
      assert.equal(reply.headers['transfer-encoding'], undefined)
      assert.equal(reply.body, expected(path))
    })
  }

  it('closes a kept-alive connection when the app asks to (Connection: close)', async () => {
    const reply = await closedAtOnce('GET /close HTTP/1.1\r\nHost: a.test\r\n\r\n')
    assert.equal(reply.headers.connection, 'close')
    assert.equal(reply.body, 'hello')
  })

  /** The answer to GET `path` on a connection kept alive: read until a 1 s timeout. */
  const keptAlive = (path: string) =>
    exchange(port, `GET ${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`, 1000, false)

  it("keeps the client's connection when the app passes on an upstream's Connection: close", async () => {
    const reply = await keptAlive('/passed-close')
    assert.equal(reply.status, 200)
    assert.equal(reply.headers.connection, 'keep-alive')
    assert.match(reply.body, /hello/)
    const own = await keptAlive('/close')
    assert.equal(own.headers.connection, 'close', "the app's own close still closes")
    // A passed-on 426 keeps its Upgrade (RFC 9110 §15.5.22), not its upstream's close.
    const upgrade = await keptAlive('/passed-426')
    assert.equal(upgrade.status, 426)
    assert.equal(upgrade.headers.upgrade, 'websocket')
    assert.equal(upgrade.headers.connection, 'upgrade')
  })

  it('keeps the Content-Type a string body implies when other fields are left out', async () => {
    const answer = await fetch(`http://127.0.0.1:${port}/typed`)
    assert.equal(answer.headers.get('content-type'), 'text/plain;charset=UTF-8')
    assert.equal(answer.headers.get('x-a'), '1')
  })

  it("keeps a 426's Upgrade over HTTP/1.1, with Connection: upgrade (RFC 9110 §15.5.22)", async () => {
    const kept = await keptAlive('/hono/ws')
    assert.equal(kept.status, 426)
    assert.equal(kept.headers.upgrade, 'websocket')
    assert.equal(kept.headers.connection, 'upgrade')
    const closed = await closedAtOnce(
      'GET /hono/ws HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n',
    )
    assert.equal(closed.headers.upgrade, 'websocket')
    assert.equal(closed.headers.connection, 'close, upgrade')
    assert.equal(closed.body, 'Upgrade Required')
  })

  it('keeps the fields of a header init that is not a plain object (a Map)', async () => {
    const answer = await fetch(`http://127.0.0.1:${port}/map`)
    assert.equal(answer.headers.get('x-a'), '1')
    assert.equal(answer.headers.get('set-cookie'), 'a=1')
  })
})

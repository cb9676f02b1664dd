// The `switchyard dev` relay between clients and the worker, over real sockets: no byte a
// worker writes on one client's behalf reaches another client, whatever the app does to its
// own framing; upgrades, hop-by-hop headers and the 502 page still work.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { type Cli, startCli } from './support/cli.ts'
import { send } from './support/http.ts'
import { converse, uploadTo } from './support/raw.ts'

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))

describe('switchyard dev relay', () => {
  let cli: Cli
  let port: number

  before(async () => {
    // --live-reload: the HTML pages are rewritten; nothing else may be.
    cli = startCli(
      ['dev', 'dev-app.ts', '--port', '0', '--host', '127.0.0.1', '--live-reload'],
      FIXTURES,
    )
    port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
  })
  after(async () => {
    assert.equal(await cli.stop(), 0, 'exits 0 on SIGTERM')
  })

  for (const route of ['/overrun', '/attack']) {
    it(`bytes an app writes past its Content-Length (${route}) never answer another client`, async () => {
      // What the attacker itself gets is its own app's business (a broken framing may cost it
      // the connection); what matters is everybody else.
      await send(port, route, { agent: false }).catch(() => undefined)
      for (let i = 0; i < 5; i++) {
        const victim = await send(port, `/slow/victim-${i}`, { agent: false })
        assert.equal(victim.status, 200)
        assert.match(victim.body, new RegExp(`^app \\d+ localhost /slow/victim-${i}$`))
      }
      // Concurrent clients each get their own answer too.
      const many = await Promise.all(
        Array.from({ length: 8 }, (_, i) => send(port, `/slow/c${i}`, { agent: false })),
      )
      for (const [i, got] of many.entries()) {
        assert.match(got.body, new RegExp(`^app \\d+ localhost /slow/c${i}$`))
      }
    })
  }

  it('an attacker on a keep-alive connection only ever confuses its own connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const victims = new Agent({ keepAlive: true, maxSockets: 2 })
    try {
      await send(port, '/attack', { agent })
      const got = await Promise.all(
        Array.from({ length: 6 }, (_, i) => send(port, `/slow/v${i}`, { agent: victims })),
      )
      for (const [i, g] of got.entries())
        assert.match(g.body, new RegExp(`^app \\d+ localhost /slow/v${i}$`))
      // The attacker's next request on its own connection may read its own forgery; nobody
      // else's.
    } finally {
      agent.destroy()
      victims.destroy()
    }
  })

  it('strips hop-by-hop headers both ways, including those named in Connection', async () => {
    const got = await send(port, '/headers', {
      agent: false,
      headers: {
        connection: 'keep-alive, x-hop',
        'x-hop': 'secret',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        'x-kept': 'yes',
      },
    })
    const seen = JSON.parse(got.body) as Record<string, string>
    assert.equal(seen['x-kept'], 'yes')
    assert.equal(seen['x-hop'], undefined)
    assert.equal(seen['keep-alive'], undefined)
    assert.equal(seen.te, undefined)
    assert.equal(seen.host, 'localhost')
    assert.equal(got.headers['x-app-kept'], 'kept')
    assert.equal(got.headers['x-app-hop'], undefined, 'named in the worker’s Connection field')
  })

  it("holds the app's Connection: close and a 426's Upgrade for the client", async (t) => {
    // Kept alive, until the app's close: the front closes the client's connection then.
    const c = await converse(port, t)
    c.socket.write('GET /426 HTTP/1.1\r\nHost: localhost\r\n\r\n')
    c.socket.write('GET /close HTTP/1.1\r\nHost: localhost\r\n\r\n')
    const [first, second] = (await c.closed()).split(/(?=HTTP\/1\.1 )/)
    assert.ok(c.socket.destroyed, 'closed after /close')
    assert.match(first ?? '', /^HTTP\/1\.1 426 /)
    assert.match(first ?? '', /\r\nupgrade: websocket\r\n/i)
    assert.match(first ?? '', /\r\nconnection: upgrade\r\n/i)
    assert.match(first ?? '', /\r\n\r\n(10\r\n)?upgrade required\r\n/)
    assert.match(second ?? '', /^HTTP\/1\.1 200 /)
    assert.match(second ?? '', /\r\nconnection: close\r\n/i)
    assert.match(second ?? '', /\r\n\r\n(7\r\n)?closing/)
  })

  it('relays an early 413 that closes during a large upload, not a 502', async () => {
    // The worker's close meets the rest of the upload; the answer must not be lost to it.
    for (let i = 0; i < 5; i++) {
      const got = await uploadTo(port, '/too-large', 20_000_000)
      assert.match(got, /^HTTP\/1\.1 413 /)
      assert.match(got, /\r\n\r\n9\r\ntoo large\r\n0\r\n\r\n$/, 'the whole answer')
    }
    assert.equal((await send(port, '/after', { agent: false })).status, 200)
  })

  it('relays the rest of an upload after an early 413 that keeps the connection', async () => {
    // Node's client stops passing 'drain' on once the answer is complete: the upload stalled
    // until the connection timed out, and the next request on it waited.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const started = Date.now()
      const body = Buffer.alloc(20_000_000, 97)
      const refused = await send(port, '/too-large-kept', { method: 'POST', body, agent })
      assert.deepEqual([refused.status, refused.body], [413, 'too large'])
      assert.equal((await send(port, '/next', { agent })).status, 200)
      assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`)
    } finally {
      agent.destroy()
    }
  })

  it('relays the whole body to an app that answers with a close while it still reads', async () => {
    const body = Buffer.alloc(4_000_000, 101)
    const res = await fetch(`http://127.0.0.1:${port}/echo-close`, {
      method: 'POST',
      body,
      signal: AbortSignal.timeout(10_000),
    })
    assert.equal(res.headers.get('connection'), 'close')
    assert.equal((await res.arrayBuffer()).byteLength, body.length)
  })

  it('relays 103 Early Hints before the answer, and trailer fields after it', async () => {
    const seen = await new Promise<{ early: unknown[]; body: string; trailers: unknown }>(
      (resolve, reject) => {
        const early: unknown[] = []
        const req = request({ port, host: '127.0.0.1', path: '/hints', agent: false }, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (body += chunk))
          res.on('end', () => resolve({ early, body, trailers: res.trailers }))
        })
        req.on('information', (info) => early.push([info.statusCode, info.headers.link]))
        req.on('error', reject)
        req.end()
      },
    )
    // Both links of one field (Node's own writeEarlyHints() refuses to write them as one).
    assert.deepEqual(seen.early, [
      [103, '</app.css>; rel=preload; as=style, </app.js>; rel=preload'],
    ])
    assert.equal(seen.body, 'hinted')
    assert.deepEqual(seen.trailers, { 'x-checksum': 'c0ffee' })
  })

  it('with --live-reload, a 304 of an HTML page stays bodiless, and its connection serves on', async () => {
    const socket = connect(port, '127.0.0.1')
    socket.setEncoding('latin1')
    let text = ''
    socket.on('data', (chunk: string) => (text += chunk))
    socket.write('GET /not-modified HTTP/1.1\r\nHost: localhost\r\n\r\n')
    socket.write('GET /after HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
    await once(socket, 'close')
    assert.match(text, /^HTTP\/1\.1 304 Not Modified\r\n/)
    const head304 = text.slice(0, text.indexOf('\r\n\r\n'))
    assert.doesNotMatch(head304, /content-length/i)
    assert.match(
      text.slice(head304.length + 4),
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*app \d+ localhost \/after\r\n0\r\n\r\n$/,
    )
  })

  it('upgrades refused at the dashboard path: resets never crash it, a half-open client is closed', async () => {
    const upgrade =
      'GET /__switchyard/x HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n' +
      'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'
    for (let i = 0; i < 30; i++) {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(upgrade)
        socket.resetAndDestroy()
      })
      socket.on('error', () => {})
      await once(socket, 'close')
    }
    // A client that never closes its side still gets the answer, then the server's FIN.
    const halfOpen = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () =>
      halfOpen.write(upgrade),
    )
    let answer = ''
    halfOpen.setEncoding('latin1')
    halfOpen.on('data', (chunk: string) => (answer += chunk))
    await once(halfOpen, 'end')
    halfOpen.destroy()
    assert.match(answer, /^HTTP\/1\.1 404 /)
    assert.equal((await send(port, '/still-serving', { agent: false })).status, 200)
  })

  it('relays upgrades byte for byte', async () => {
    const socket = connect(port, '127.0.0.1')
    await once(socket, 'connect')
    socket.write(
      'GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n',
    )
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      text += chunk
    })
    const deadline = Date.now() + 3000
    while (!text.includes('\r\n\r\n') && Date.now() < deadline) await sleep(10)
    assert.match(text, /^HTTP\/1\.1 101 /)
    assert.match(text, /x-url: \/ws/i)
    socket.write('ping')
    while (!text.includes('echo:ping') && Date.now() < deadline) await sleep(10)
    socket.destroy()
    assert.match(text, /echo:ping/)
  })

  it('relays an upgrade pipelined behind a slow request after that request is answered', async (t) => {
    const c = await converse(port, t)
    c.socket.write(
      'GET /slow/first HTTP/1.1\r\nHost: localhost\r\n\r\n' +
        'GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n',
    )
    const [first, second] = (await c.until(/ 101 [\s\S]*\r\n\r\n/)).split(/(?=HTTP\/1\.1 )/)
    assert.match(first ?? '', /^HTTP\/1\.1 200 [\s\S]*app \d+ localhost \/slow\/first/)
    assert.match(second ?? '', /^HTTP\/1\.1 101 [\s\S]*x-url: \/ws/i)
    c.socket.write('ping')
    assert.match(await c.until(/echo:ping/), /echo:ping$/)
  })

  it('reads on after an upgrade pipelined behind answers that filled the socket', async (t) => {
    const c = await converse(port, t)
    c.socket.write(
      `${'GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n'.repeat(3)}` +
        'GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n',
    )
    const text = await c.until(/ 101 [\s\S]*\r\n\r\n$/)
    assert.equal(text.split(/(?=HTTP\/1\.1 )/).length, 4, `${text.length} bytes came`)
    c.socket.write('ping')
    assert.match(await c.until(/echo:ping/), /echo:ping$/)
  })

  it('answers 502 when the worker dies, then the same connection reaches the new worker', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const before = await send(port, '/pid', { agent })
      const pid = before.body.split(' ')[1]
      const dead = await send(port, '/die', { agent })
      assert.equal(dead.status, 502)
      assert.match(dead.body, /worker went away/)
      const deadline = Date.now() + 10_000
      let now = await send(port, '/pid', { agent })
      while (now.body.split(' ')[1] === pid || now.status !== 200) {
        assert.ok(Date.now() < deadline, `no new worker; last: ${now.status} ${now.body}`)
        await sleep(50)
        now = await send(port, '/pid', { agent })
      }
      assert.match(now.body, /^app \d+ localhost \/pid$/)
      await cli.waitFor(/the dev worker exited; starting a new one/)
    } finally {
      agent.destroy()
    }
  })
})

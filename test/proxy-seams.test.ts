// The seams of upstream(): where the client, switchyard and the upstream each read a request
// or a response, and could read it differently. Misbehaving peers are raw TCP (node:net),
// on both sides, so nothing normalises the bytes before the code under test sees them.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer as createHttpServer } from 'node:http'
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2'
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { mount, subdomains } from '../src/index.ts'
import { readMetrics } from '../src/metrics.ts'
import { toNodeListener, toUpgradeListener, upstream } from '../src/node.ts'
import { listen, type Running, send } from './support/http.ts'

/** A raw upstream: `answer` gets each request's head (and the socket) as it arrives. */
interface RawUpstream {
  port: number
  heads: string[]
  sockets: Set<Socket>
  close(): void
}

async function rawUpstream(answer: (head: string, socket: Socket) => void): Promise<RawUpstream> {
  const heads: string[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffered = ''
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1')
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end)
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
        buffered = buffered.slice(end + 4 + length)
        heads.push(head)
        answer(head, socket)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    heads,
    sockets,
    close: () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

/** Writes raw bytes to switchyard and collects what comes back until `done(text)` or close. */
function rawClient(port: number): {
  write(bytes: string): void
  until(done: (text: string) => boolean, ms?: number): Promise<string>
  close(): void
} {
  const socket: Socket = connect(port, '127.0.0.1')
  socket.setEncoding('latin1')
  socket.on('error', () => {})
  let text = ''
  let wake = () => {}
  socket.on('data', (chunk: string) => {
    text += chunk
    wake()
  })
  socket.on('close', () => wake())
  return {
    write: (bytes) => socket.write(bytes),
    async until(done, ms = 3000) {
      const deadline = Date.now() + ms
      while (!done(text) && !socket.destroyed && Date.now() < deadline) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(50)])
      }
      const seen = text
      text = ''
      return seen
    },
    close: () => socket.destroy(),
  }
}

const ANSWERED = (text: string) => /\r\n\r\n/.test(text) && /content-length: *(\d+)/i.test(text)

describe('what the client sends, as the upstream receives it', () => {
  let origin: RawUpstream
  let front: Running
  before(async () => {
    origin = await rawUpstream((_head, socket) =>
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    )
    front = await listen(mount(null, { '/u': upstream(`http://127.0.0.1:${origin.port}`) }))
  })
  after(async () => {
    await front.close()
    origin.close()
  })

  test('Content-Length with Transfer-Encoding is refused at the door: nothing, and no smuggled request, reaches the upstream', async () => {
    origin.heads.length = 0
    const client = rawClient(front.port)
    client.write(
      'POST /u/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 35\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '0\r\n\r\nGET /u/smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
    )
    const answer = await client.until((text) => text.startsWith('HTTP/1.1 4'))
    client.close()
    assert.match(answer, /^HTTP\/1\.1 400/)
    await sleep(50)
    assert.deepEqual(origin.heads, [])
  })

  test('two different Content-Lengths are refused at the door too', async () => {
    origin.heads.length = 0
    const client = rawClient(front.port)
    client.write(
      'POST /u/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\nab',
    )
    const answer = await client.until((text) => text.startsWith('HTTP/1.1 4'))
    client.close()
    assert.match(answer, /^HTTP\/1\.1 400/)
    assert.deepEqual(origin.heads, [])
  })

  test("a client's own forwarding fields never reach the upstream as the proxy's word", async () => {
    origin.heads.length = 0
    const client = rawClient(front.port)
    client.write(
      'GET /u/who HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 6.6.6.6\r\n' +
        'X-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Prefix: /evil\r\n' +
        'Forwarded: for=6.6.6.6;host=evil.example\r\nX-Real-IP: 6.6.6.6\r\n' +
        'Connection: x-forwarded-for, x-forwarded-host\r\n\r\n',
    )
    assert.match(await client.until(ANSWERED), /^HTTP\/1\.1 200/)
    client.close()
    const head = (origin.heads[0] ?? '').toLowerCase()
    assert.doesNotMatch(head, /6\.6\.6\.6|evil/)
    // Naming them in Connection does not strip the ones switchyard states.
    assert.match(head, /\r\nx-forwarded-for: 127\.0\.0\.1\r\n/)
    assert.match(head, /\r\nx-forwarded-host: localhost\r\n/)
    assert.match(head, /\r\nx-forwarded-proto: http\r\n/)
    assert.match(head, /\r\nx-forwarded-prefix: \/u(\r\n|$)/)
  })

  test('a chunked upload reaches the upstream with one framing', async () => {
    origin.heads.length = 0
    const client = rawClient(front.port)
    client.write('POST /u/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n')
    client.write('3\r\nabc\r\n0\r\n\r\n')
    assert.match(await client.until(ANSWERED), /^HTTP\/1\.1 200/)
    client.close()
    // undici may send it chunked or, with the whole body in hand, with its length: one only.
    const head = origin.heads[0] ?? ''
    const framings = head.match(/\r\n(transfer-encoding|content-length):/gi) ?? []
    assert.equal(framings.length, 1, head)
  })
})

// Each answer the upstream gives, and what the client must see instead.
const BAD_ANSWERS: Array<[string, string]> = [
  ['a non-numeric Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok'],
  [
    'two different Content-Lengths',
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 7\r\n\r\nok',
  ],
  [
    'Content-Length with Transfer-Encoding',
    'HTTP/1.1 200 OK\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  ],
  [
    'a bare CR inside a header value',
    'HTTP/1.1 200 OK\r\nX-A: a\rSet-Cookie: pwn=1\r\nContent-Length: 2\r\n\r\nok',
  ],
  ['a NUL inside a header value', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 2\r\n\r\nok'],
  [
    '101 to a plain request',
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n',
  ],
]

describe('what the upstream answers, as the client receives it', () => {
  for (const [name, bytes] of BAD_ANSWERS) {
    test(`${name}: 502 on both entries, and the client's connection serves its next request`, async (t) => {
      t.mock.method(console, 'error', () => {}) // the Fetch entry's default log
      const origin = await rawUpstream((head, socket) => {
        if (head.startsWith('GET /good'))
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood')
        else socket.write(bytes)
      })
      const app = mount(null, { '/u': upstream(`http://127.0.0.1:${origin.port}`) })
      const front = await listen(app, { onError: () => {} })
      try {
        const client = rawClient(front.port)
        client.write('GET /u/bad HTTP/1.1\r\nHost: localhost\r\n\r\n')
        const first = await client.until(ANSWERED)
        assert.match(first, /^HTTP\/1\.1 502/)
        assert.doesNotMatch(first, /pwn|set-cookie/i)
        // The same connection: its next answer is its own, not the rest of the bad one.
        client.write('GET /u/good HTTP/1.1\r\nHost: localhost\r\n\r\n')
        const second = await client.until((text) => text.endsWith('good'))
        client.close()
        assert.match(second, /^HTTP\/1\.1 200[\s\S]*\r\n\r\ngood$/)
        const viaFetch = await app.fetch(new Request('http://localhost/u/bad'))
        assert.equal(viaFetch.status, 502)
        assert.equal(viaFetch.headers.get('set-cookie'), null)
        await viaFetch.arrayBuffer()
      } finally {
        await front.close()
        await app.close()
        origin.close()
      }
    })
  }
})

test('a 204 the upstream sends a body after: the client gets the 204, and its connection serves on', async () => {
  const origin = await rawUpstream((head, socket) => {
    if (head.startsWith('GET /good'))
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood')
    else socket.write('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello')
  })
  const app = mount(null, { '/u': upstream(`http://127.0.0.1:${origin.port}`) })
  const reported: unknown[] = []
  const front = await listen(app, { onError: (error) => reported.push(error) })
  try {
    const client = rawClient(front.port)
    client.write(
      'GET /u/none HTTP/1.1\r\nHost: localhost\r\n\r\nGET /u/good HTTP/1.1\r\nHost: localhost\r\n\r\n',
    )
    const both = await client.until((text) => text.endsWith('good'))
    client.close()
    assert.match(
      both,
      /^HTTP\/1\.1 204 No Content\r\n(?:(?!content-length)[^\r]*\r\n)*\r\nHTTP\/1\.1 200 OK[\s\S]*good$/i,
    )
    assert.deepEqual(reported, [])
  } finally {
    await front.close()
    await app.close()
    origin.close()
  }
})

describe('connections to the upstream', () => {
  test('Connection: close from the upstream mid-pool: every request answered once, none sent twice', async () => {
    let posts = 0
    const origin = await rawUpstream((head, socket) => {
      if (head.startsWith('POST')) posts++
      // Every other answer closes its connection, while other requests are in flight.
      const close = posts % 2 === 0
      socket.write(
        `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${close ? 'Connection: close\r\n' : ''}\r\nok`,
      )
      if (close) socket.end()
    })
    const app = mount(null, {
      '/u': upstream(`http://127.0.0.1:${origin.port}`, { connections: 2 }),
    })
    const front = await listen(app)
    try {
      const replies = await Promise.all(
        Array.from({ length: 40 }, () => send(front.port, '/u/', { method: 'POST', body: 'x' })),
      )
      assert.deepEqual(
        replies.map((r) => r.status),
        replies.map(() => 200),
      )
      assert.equal(posts, 40)
    } finally {
      await front.close()
      await app.close()
      origin.close()
    }
  })

  test('a client that leaves closes its upstream connection, before the answer and mid-body', async () => {
    const carrier = new Map<string, Socket>()
    const origin = await rawUpstream((head, socket) => {
      carrier.set(head.slice(4, head.indexOf(' ', 4)), socket)
      // /slow never answers; /drip sends its head and a first chunk, then nothing.
      if (head.startsWith('GET /drip'))
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n')
    })
    const leaf = upstream(`http://127.0.0.1:${origin.port}`)
    const app = mount(null, { '/u': leaf })
    const front = await listen(app, { onError: () => {} })
    try {
      for (const path of ['/u/slow', '/u/drip']) {
        const client = rawClient(front.port)
        client.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`)
        // Left once the upstream has the request (and, for /drip, the client its first bytes).
        if (path === '/u/drip') await client.until((text) => text.includes('first'))
        while (carrier.get(path.slice(2)) === undefined) await sleep(10)
        const socket = carrier.get(path.slice(2)) as Socket
        client.close()
        const deadline = Date.now() + 1000
        while (!socket.destroyed && Date.now() < deadline) await sleep(10)
        // undici may open a spare connection meanwhile; the one that carried it must close.
        assert.equal(socket.destroyed, true, `${path}: its upstream connection is closed`)
      }
      const pool = readMetrics(app).tree.children?.[0]?.node.upstream
      assert.ok(pool !== undefined)
      assert.equal(pool.running, 0)
      assert.equal(pool.pending, 0)
    } finally {
      await front.close()
      await app.close()
      origin.close()
    }
  })

  test('an HTTP/2 client that resets its stream closes its upstream connection, and nothing is reported', async () => {
    const carrier = new Map<string, Socket>()
    const origin = await rawUpstream((head, socket) => {
      carrier.set(head.slice(4, head.indexOf(' ', 4)), socket)
      if (head.startsWith('GET /drip'))
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n')
    })
    const app = mount(null, { '/u': upstream(`http://127.0.0.1:${origin.port}`) })
    const reported: unknown[] = []
    const server = createHttp2Server(
      toNodeListener(app, { onError: (error) => reported.push(error) }) as never,
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const session = connectHttp2(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    try {
      for (const path of ['/u/slow', '/u/drip']) {
        const stream = session.request({ ':path': path })
        stream.on('error', () => {})
        if (path === '/u/drip') await new Promise((resolve) => stream.once('data', resolve))
        while (carrier.get(path.slice(2)) === undefined) await sleep(10)
        const socket = carrier.get(path.slice(2)) as Socket
        stream.close() // RST_STREAM: the client's request is over, its connection is not
        const deadline = Date.now() + 1000
        while (!socket.destroyed && Date.now() < deadline) await sleep(10)
        assert.equal(socket.destroyed, true, `${path}: its upstream connection is closed`)
      }
      await sleep(50)
      assert.deepEqual(reported, [])
    } finally {
      session.close()
      server.close()
      await app.close()
      origin.close()
    }
  })

  test('upgrades: a client that half-closes while the upstream is silent closes its upstream connection; a relayed refusal keeps its length and closes', async () => {
    const carrier = new Map<string, Socket>()
    const origin = await rawUpstream((head, socket) => {
      carrier.set(head.slice(4, head.indexOf(' ', 4)), socket)
      // /silent never answers; /refused answers 403 stating 100 bytes, sends 5, and resets.
      if (head.startsWith('GET /refused')) {
        socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 100\r\n\r\nabcde')
        setTimeout(() => socket.resetAndDestroy(), 50)
      }
    })
    const app = mount(null, { '/u': upstream(`http://127.0.0.1:${origin.port}`) })
    const reported: unknown[] = []
    const front = await listen(app, { onError: (error) => reported.push(error) })
    front.server.on('upgrade', toUpgradeListener(app, { onError: (error) => reported.push(error) }))
    const upgrade = (path: string) =>
      `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`
    try {
      // A FIN, not a reset: the client is gone all the same.
      const leaving = connect(front.port, '127.0.0.1', () => leaving.end(upgrade('/u/silent')))
      leaving.on('error', () => {})
      while (carrier.get('/silent') === undefined) await sleep(10)
      const silent = carrier.get('/silent') as Socket
      const deadline = Date.now() + 2000
      while (!silent.destroyed && Date.now() < deadline) await sleep(10)
      assert.equal(silent.destroyed, true, 'its upstream connection is closed')
      // A half-open client (it never closes its side) gets the refusal, cut, and a close.
      const halfOpen = connect({ port: front.port, host: '127.0.0.1', allowHalfOpen: true }, () =>
        halfOpen.write(upgrade('/u/refused')),
      )
      halfOpen.on('error', () => {})
      let text = ''
      halfOpen.setEncoding('latin1')
      halfOpen.on('data', (chunk: string) => (text += chunk))
      await Promise.race([once(halfOpen, 'end'), once(halfOpen, 'close'), sleep(3000)])
      halfOpen.destroy()
      assert.match(text, /^HTTP\/1\.1 403 Forbidden\r\n/)
      assert.match(
        text,
        /\r\ncontent-length: 100\r\n/i,
        'the length stays: the client can tell it was cut',
      )
      assert.ok(text.endsWith('abcde'), text)
      assert.deepEqual(reported, [])
    } finally {
      await front.close()
      await app.close()
      origin.close()
    }
  })

  test("upgrades: a half-open client refused by a tenant's upstream does not pin the tenant", async () => {
    const origin = createHttpServer((_req, res) => {
      res.statusCode = 403
      res.end('nope')
    })
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve))
    const disposed: string[] = []
    const tenants = subdomains(
      'example.com',
      () => upstream(`http://127.0.0.1:${(origin.address() as AddressInfo).port}`),
      { max: 1, dispose: (_app, key) => void disposed.push(key) },
    )
    const front = await listen(tenants)
    front.server.on('upgrade', toUpgradeListener(tenants))
    try {
      const client = connect({ port: front.port, host: '127.0.0.1', allowHalfOpen: true }, () =>
        client.write(
          'GET / HTTP/1.1\r\nHost: a.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
        ),
      )
      client.on('error', () => {})
      client.resume()
      await once(client, 'end') // the refusal came; the client keeps its own side open
      // Tenant b evicts a, which is disposed once nothing holds it.
      await send(front.port, '/', { host: 'b.example.com', agent: false }).catch(() => undefined)
      const deadline = Date.now() + 2000
      while (!disposed.includes('a') && Date.now() < deadline) await sleep(10)
      client.destroy()
      assert.deepEqual(disposed, ['a'])
    } finally {
      await front.close()
      await tenants.close()
      origin.close()
    }
  })

  test('tenants never share an upstream connection', async () => {
    const byTenant = new Map<string, Set<number>>()
    const origin = await rawUpstream((head, socket) => {
      const tenant = /\r\nx-forwarded-host: ([^.]+)\./i.exec(head)?.[1] ?? '?'
      const ports = byTenant.get(tenant) ?? new Set<number>()
      ports.add(socket.remotePort as number)
      byTenant.set(tenant, ports)
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    })
    const app = subdomains('example.com', () => upstream(`http://127.0.0.1:${origin.port}`))
    const front = await listen(app)
    try {
      for (let round = 0; round < 5; round++) {
        await Promise.all(
          ['a', 'b', 'c'].map((t) => send(front.port, '/', { host: `${t}.example.com` })),
        )
      }
      assert.deepEqual([...byTenant.keys()].sort(), ['a', 'b', 'c'])
      const all = [...byTenant.values()].flatMap((ports) => [...ports])
      assert.equal(new Set(all).size, all.length, 'a connection serves one tenant only')
    } finally {
      await front.close()
      await app.close()
      origin.close()
    }
  })
})

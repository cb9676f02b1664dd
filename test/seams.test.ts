// Seams: where switchyard hands a request to another parser (Node's, a framework's,
// @hono/node-server's, the Fetch-to-Node replay), both sides must read the same method,
// target, host, framing, body and prefix headers (DESIGN.md §3 "Hosts", "Errors and bad
// input"). Every test runs against real peers: Express and Hono leaves, node:http2 servers
// and clients, @hono/node-server, and raw sockets where the bytes matter.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect as h2connect, createServer as h2createServer } from 'node:http2'
import { type AddressInfo, connect } from 'node:net'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { gunzipSync, gzipSync } from 'node:zlib'
import { serve as honoServe } from '@hono/node-server'
import express from 'express'
import { Hono } from 'hono'
import {
  type App,
  type Dispatcher,
  hosts,
  lazy,
  mount,
  paths,
  toFetchHandler,
} from '../src/index.ts'
import { toNodeListener } from '../src/node.ts'

// ---------------------------------------------------------------------------------------
// Leaves that report what they saw, and a log of every request that reached any of them.

interface Seen {
  app: string
  method: string
  url: string
  /** Express: req.hostname (with `trust proxy`); Hono: the URL's host. */
  hostname: string | undefined
  host: string | undefined
  xfh: string | undefined
  xfp: string | undefined
  body: string
}

type Log = Seen[]

function expressLeaf(name: string, log: Log): express.Express {
  const app = express()
  app.set('trust proxy', true)
  app.use((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const seen: Seen = {
        app: name,
        method: req.method,
        url: req.url,
        hostname: req.hostname,
        host: req.headers.host,
        xfh: req.headers['x-forwarded-host'] as string | undefined,
        xfp: req.headers['x-forwarded-prefix'] as string | undefined,
        body: Buffer.concat(chunks).toString(),
      }
      log.push(seen)
      res.json(seen)
    })
  })
  return app
}

function honoLeaf(name: string, log: Log): Hono {
  const app = new Hono()
  app.all('*', async (c) => {
    const seen: Seen = {
      app: name,
      method: c.req.method,
      url: new URL(c.req.url).pathname,
      hostname: new URL(c.req.url).host,
      host: c.req.header('host'),
      xfh: c.req.header('x-forwarded-host'),
      xfp: c.req.header('x-forwarded-prefix'),
      body: c.req.raw.body === null ? '' : await c.req.text(),
    }
    log.push(seen)
    return c.json(seen)
  })
  return app
}

// ---------------------------------------------------------------------------------------
// Servers on 127.0.0.1:0, closed after the file.

const servers: Array<{ close(): void; closeAllConnections?(): void }> = []
after(() => {
  for (const s of servers) {
    s.closeAllConnections?.()
    s.close()
  }
})

function listening<S extends Server | ReturnType<typeof h2createServer>>(
  server: S,
): Promise<number> {
  servers.push(server as never)
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  )
}

const nodeEntry = (app: App, trustProxy = false) =>
  listening(createServer(toNodeListener(app, { trustProxy })))

const h2NodeEntry = (app: App) =>
  listening(h2createServer(toNodeListener(app) as unknown as Parameters<typeof h2createServer>[0]))

/** The Fetch entry served by @hono/node-server over HTTP/1.1 or (h2c) HTTP/2. */
function honoEntry(
  fetch: (request: Request, ...rest: unknown[]) => Response | Promise<Response>,
  http2 = false,
): Promise<number> {
  return new Promise((resolve) => {
    const server = honoServe(
      {
        fetch,
        port: 0,
        hostname: '127.0.0.1',
        overrideGlobalObjects: false,
        ...(http2 ? { createServer: h2createServer } : {}),
      },
      (info) => resolve(info.port),
    )
    servers.push(server as never)
  })
}

interface H2Reply {
  status: number
  body: string
}

/** One HTTP/2 request with exactly these headers (pseudo-headers included). */
function h2send(port: number, headers: Record<string, string>): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`http://127.0.0.1:${port}`)
    session.on('error', reject)
    const stream = session.request({ ':method': 'GET', ':path': '/', ...headers })
    let status = 0
    let body = ''
    stream.setEncoding('utf8')
    stream.on('response', (h) => {
      status = Number(h[':status'])
    })
    stream.on('data', (chunk: string) => {
      body += chunk
    })
    stream.on('end', () => {
      session.close()
      resolve({ status, body })
    })
    stream.on('error', reject)
    stream.end()
  })
}

interface RawReply {
  /** Every status line in the bytes received, in order (pipelined answers included). */
  statuses: number[]
  text: string
}

/** Writes `data` as is, half-closes, reads until the server closes (or `timeout` ms). */
function raw(port: number, data: string | Buffer, timeout = 3000): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const socket = connect(port, '127.0.0.1', () => socket.end(data))
    const timer = setTimeout(() => socket.destroy(), timeout)
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      const text = Buffer.concat(chunks).toString('latin1')
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]))
      resolve({ statuses, text })
    })
  })
}

function bodyOf(text: string): string {
  const end = text.indexOf('\r\n\r\n')
  return end < 0 ? '' : text.slice(end + 4)
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

async function json(response: Response): Promise<Seen> {
  assert.equal(response.status, 200, await response.clone().text())
  return (await response.json()) as Seen
}

const A = 'a.example.com'
const B = 'b.example.com'

/** `hosts({ a: …, b: … })` with one kind of leaf on each host. */
function twoHosts(kind: 'express' | 'hono', log: Log): Dispatcher {
  const leaf = kind === 'express' ? expressLeaf : honoLeaf
  return hosts({ [A]: leaf('a', log), [B]: leaf('b', log) })
}

// ---------------------------------------------------------------------------------------

describe('1. HTTP/2 :authority against host', () => {
  test('Node entry over node:http2: a host that disagrees with :authority is a 400; :authority alone routes', async () => {
    const log: Log = []
    const port = await h2NodeEntry(twoHosts('hono', log))
    const mismatch = await h2send(port, { ':authority': A, host: B })
    assert.equal(mismatch.status, 400, mismatch.body)
    assert.match(mismatch.body, /:authority/)
    assert.equal(log.length, 0, 'no app is reached')
    const alone = await h2send(port, { ':authority': A })
    assert.equal(alone.status, 200, alone.body)
    assert.equal((JSON.parse(alone.body) as Seen).app, 'a')
    const agreeing = await h2send(port, { ':authority': B, host: 'B.Example.COM' })
    assert.equal(agreeing.status, 200, agreeing.body)
    assert.equal((JSON.parse(agreeing.body) as Seen).app, 'b')
  })

  test('Fetch entry over HTTP/2 (@hono/node-server, createServer: http2.createServer): the same rule', async () => {
    const log: Log = []
    const tree = hosts({ [A]: expressLeaf('a', log), [B]: honoLeaf('b', log) })
    const port = await honoEntry(tree.fetch, true)
    const mismatch = await h2send(port, { ':authority': A, host: B })
    assert.equal(mismatch.status, 400, mismatch.body)
    assert.equal(log.length, 0, 'no app is reached')
    const alone = await h2send(port, { ':authority': A })
    assert.equal(alone.status, 200, alone.body)
    const seen = JSON.parse(alone.body) as Seen
    assert.equal(seen.app, 'a')
    assert.equal(seen.hostname, A)
    const toB = await h2send(port, { ':authority': B })
    assert.equal((JSON.parse(toB.body) as Seen).app, 'b')
  })
})

describe("2. the Fetch entry replays the URL's host, never the Request's host header", () => {
  test('an Express leaf under hosts() sees req.hostname of the URL', async () => {
    const log: Log = []
    const tree = twoHosts('express', log)
    const seen = await json(await tree.fetch(new Request(`http://${A}/`, { headers: { host: B } })))
    assert.equal(seen.app, 'a')
    assert.equal(seen.hostname, A)
    assert.equal(seen.host, A)
  })

  test('a Hono leaf under hosts() sees the host header of the URL', async () => {
    const log: Log = []
    const tree = twoHosts('hono', log)
    const seen = await json(await tree.fetch(new Request(`http://${A}/`, { headers: { host: B } })))
    assert.equal(seen.app, 'a')
    assert.equal(seen.host, A)
    assert.equal(seen.hostname, A)
  })
})

describe('3. X-Forwarded-Host', () => {
  const list = `${A}, ${B}`

  /** Through a trusting Node entry, with these forwarding fields: what the leaf saw. */
  async function forwardedTo(kind: 'express' | 'hono', fields: string): Promise<Seen> {
    const port = await nodeEntry(twoHosts(kind, []), true)
    const reply = await raw(
      port,
      `GET / HTTP/1.1\r\nHost: proxy.internal\r\n${fields}Connection: close\r\n\r\n`,
    )
    assert.deepEqual(reply.statuses, [200], reply.text)
    return JSON.parse(bodyOf(reply.text)) as Seen
  }

  test('trustProxy, Node entry: a list routes on its last value and the Express leaf sees only that value', async () => {
    const seen = await forwardedTo('express', `X-Forwarded-Host: ${list}\r\n`)
    assert.equal(seen.app, 'b')
    assert.equal(seen.hostname, B)
    assert.equal(seen.xfh, B)
  })

  test('trustProxy, Node entry: two X-Forwarded-Host fields (raw socket) route on the last', async () => {
    const seen = await forwardedTo(
      'express',
      `X-Forwarded-Host: ${A}\r\nx-forwarded-host: ${B}\r\n`,
    )
    assert.equal(seen.app, 'b')
    assert.equal(seen.hostname, B)
    assert.equal(seen.xfh, B)
  })

  test('trustProxy, Node entry, Hono leaf: sees only the routed value', async () => {
    const seen = await forwardedTo('hono', `X-Forwarded-Host: ${A}\r\nX-Forwarded-Host: ${B}\r\n`)
    assert.equal(seen.app, 'b')
    assert.equal(seen.xfh, B)
  })

  test('trustProxy, Fetch entry: the Express leaf (replayed) and the Hono leaf see only the routed value', async () => {
    const log: Log = []
    const fetch = toFetchHandler(hosts({ [A]: honoLeaf('a', log), [B]: expressLeaf('b', log) }), {
      trustProxy: true,
    })
    const toExpress = await json(
      await fetch(new Request('http://proxy.internal/', { headers: { 'x-forwarded-host': list } })),
    )
    assert.equal(toExpress.app, 'b')
    assert.equal(toExpress.hostname, B)
    assert.equal(toExpress.xfh, B)
    const toHono = await json(
      await fetch(
        new Request('http://proxy.internal/', { headers: { 'x-forwarded-host': `${B}, ${A}` } }),
      ),
    )
    assert.equal(toHono.app, 'a')
    assert.equal(toHono.xfh, A)
  })

  test('without trustProxy a client-sent X-Forwarded-Host never reaches a leaf (Node entry, Node and Fetch leaves)', async () => {
    const log: Log = []
    const port = await nodeEntry(hosts({ [A]: expressLeaf('a', log), [B]: honoLeaf('b', log) }))
    for (const host of [A, B]) {
      const reply = await raw(
        port,
        `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Forwarded-Host: evil.example\r\nConnection: close\r\n\r\n`,
      )
      assert.deepEqual(reply.statuses, [200], reply.text)
    }
    assert.deepEqual(
      log.map((s) => [s.app, s.xfh, s.hostname]),
      [
        ['a', undefined, A],
        ['b', undefined, B],
      ],
    )
  })

  test('without trustProxy a client-sent X-Forwarded-Host never reaches a leaf (Fetch entry, Node and Fetch leaves)', async () => {
    const log: Log = []
    const tree = hosts({ [A]: expressLeaf('a', log), [B]: honoLeaf('b', log) })
    for (const host of [A, B]) {
      await json(
        await tree.fetch(
          new Request(`http://${host}/`, { headers: { 'x-forwarded-host': 'evil.example' } }),
        ),
      )
    }
    assert.deepEqual(
      log.map((s) => [s.app, s.xfh, s.hostname]),
      [
        ['a', undefined, A],
        ['b', undefined, B],
      ],
    )
  })
})

describe('4. no smuggling through the Fetch-to-Node replay', () => {
  const SMUGGLED = `GET /admin HTTP/1.1\r\nHost: ${B}\r\n\r\n`

  function smuggleTree(log: Log): Dispatcher {
    return hosts({
      [A]: mount(expressLeaf('a', log), { '/admin': expressLeaf('a-admin', log) }),
      [B]: mount(expressLeaf('b', log), { '/admin': honoLeaf('b-admin', log) }),
    })
  }

  test('a Request stating content-length 5 and keep-alive: one request, the whole body', async () => {
    const log: Log = []
    const tree = smuggleTree(log)
    const body = `hello${SMUGGLED}`
    const response = await tree.fetch(
      new Request(`http://${A}/upload`, {
        method: 'POST',
        headers: { 'content-length': '5', connection: 'keep-alive' },
        body,
        duplex: 'half',
      } as RequestInit),
    )
    const seen = await json(response)
    assert.equal(seen.app, 'a')
    assert.equal(seen.body, body)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(
      log.map((s) => `${s.app} ${s.method} ${s.url}`),
      ['a POST /upload'],
    )
  })

  test('end to end: @hono/node-server, a gunzip middleware passing the original headers on to tree.fetch', async () => {
    const log: Log = []
    const tree = smuggleTree(log)
    const front = new Hono()
    front.all('*', async (c) => {
      let body: Uint8Array | undefined
      if (c.req.header('content-encoding') === 'gzip') {
        body = gunzipSync(Buffer.from(await c.req.arrayBuffer()))
      }
      // The common mistake: a new body with the original (now wrong) framing headers.
      return tree.fetch(
        new Request(c.req.url, {
          method: c.req.method,
          headers: c.req.raw.headers,
          body,
          duplex: 'half',
        } as RequestInit),
      )
    })
    const port = await honoEntry((request) => front.fetch(request))
    // A decompressed body whose first Content-Length bytes are harmless padding and whose
    // rest is a second request: Content-Length (the compressed size) ends the padding.
    let padding = 0
    let gz = Buffer.alloc(0)
    for (let n = 1; n < 1000; n++) {
      gz = gzipSync(`${'h'.repeat(n)}${SMUGGLED}`)
      if (gz.length === n) {
        padding = n
        break
      }
    }
    assert.ok(padding > 0, 'a fixed point exists')
    const head = `POST /upload HTTP/1.1\r\nHost: ${A}\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\nConnection: keep-alive\r\n\r\n`
    const reply = await raw(port, Buffer.concat([Buffer.from(head), gz]))
    assert.deepEqual(reply.statuses, [200], reply.text)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(
      log.map((s) => `${s.app} ${s.method} ${s.url} ${s.body.length}`),
      [`a POST /upload ${padding + SMUGGLED.length}`],
    )
  })

  test('a body shorter than its stated content-length never hangs tree.fetch', async () => {
    const log: Log = []
    const tree = smuggleTree(log)
    const response = await withTimeout(
      tree.fetch(
        new Request(`http://${A}/short`, {
          method: 'POST',
          headers: { 'content-length': '100' },
          body: 'hi',
          duplex: 'half',
        } as RequestInit),
      ),
      2000,
      'tree.fetch',
    )
    const seen = await withTimeout(json(response), 2000, 'the body')
    assert.equal(seen.body, 'hi')
  })

  test('Transfer-Encoding: gzip on a plain body delivers the body', async () => {
    const log: Log = []
    const tree = smuggleTree(log)
    const response = await withTimeout(
      tree.fetch(
        new Request(`http://${A}/te`, {
          method: 'POST',
          headers: { 'transfer-encoding': 'gzip' },
          body: 'hello',
          duplex: 'half',
        } as RequestInit),
      ),
      2000,
      'tree.fetch',
    )
    const seen = await json(response)
    assert.equal(seen.body, 'hello')
  })

  test('headers too large for Node: a 431/400 Response whose body reads cleanly', async () => {
    const log: Log = []
    const tree = smuggleTree(log)
    const response = await withTimeout(
      tree.fetch(new Request(`http://${A}/`, { headers: { 'x-big': 'a'.repeat(20_000) } })),
      2000,
      'tree.fetch',
    )
    assert.ok([400, 431].includes(response.status), String(response.status))
    const text = await withTimeout(response.text(), 2000, 'the body')
    assert.match(text, /Request Header Fields Too Large|Bad Request/)
    assert.equal(log.length, 0)
  })
})

describe('5. the replay leaks no connection per keep-alive request', () => {
  test('5,000 keep-alive tree.fetch requests to an Express leaf: heap stays flat', () => {
    const script = fileURLToPath(new URL('./support/seams-heap.ts', import.meta.url))
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', script], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(child.status, 0, child.stderr)
    const { growth, lastLine } = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as {
      growth: number
      lastLine: string
    }
    assert.equal(lastLine, 'ok')
    assert.ok(growth < 10 * 1024 * 1024, `heap grew ${(growth / 1048576).toFixed(1)} MiB`)
  })
})

describe('6. the host is validated in mount()- and paths()-only trees', () => {
  const BAD = [
    'evil.com/../admin',
    'user@a.example.com',
    '[::1',
    'a.example.com:99999',
    'a b.example.com',
  ]

  function mountTree(log: Log): Dispatcher {
    return mount(expressLeaf('root', log), { '/x': honoLeaf('x', log) })
  }

  test('Node entry, mount(express, { /x: hono }): each bad Host is a 400 that says why', async () => {
    const log: Log = []
    const port = await nodeEntry(mountTree(log))
    for (const host of BAD) {
      for (const path of ['/', '/x/y']) {
        const reply = await raw(
          port,
          `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        )
        assert.deepEqual(reply.statuses, [400], `${host} ${path}: ${reply.text}`)
        assert.match(bodyOf(reply.text), /host/i, `${host} ${path}`)
      }
    }
    assert.deepEqual(log, [])
  })

  test('Node entry, paths(express, factory of Hono apps): each bad Host is a 400', async () => {
    const log: Log = []
    const tree = paths(expressLeaf('root', log), (key) => (key === 't' ? honoLeaf(key, log) : null))
    const port = await nodeEntry(tree)
    for (const host of BAD) {
      // /t/y reaches the Hono instance, /other/y the Express default app.
      for (const path of ['/t/y', '/other/y']) {
        const reply = await raw(
          port,
          `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        )
        assert.deepEqual(reply.statuses, [400], `${host} ${path}: ${reply.text}`)
        assert.match(bodyOf(reply.text), /host/i, `${host} ${path}`)
      }
    }
    assert.deepEqual(log, [])
  })

  // Hosts the WHATWG URL parser (so @hono/node-server and Request) lets through.
  const LONG = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example.com`
  const URL_VALID = ['a!b.example.com', 'a,b.example.com', 'a*b.example.com', LONG]

  test('Fetch entry under @hono/node-server: each bad Host is a 400', async () => {
    const log: Log = []
    const port = await honoEntry(mountTree(log).fetch)
    for (const host of [...BAD, ...URL_VALID]) {
      for (const path of ['/', '/x/y']) {
        const reply = await raw(
          port,
          `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        )
        assert.deepEqual(reply.statuses, [400], `${host} ${path}: ${reply.text}`)
      }
    }
    assert.deepEqual(log, [])
  })

  test('Fetch entry, tree.fetch: every Request whose URL host is no valid Host is a 400', async () => {
    const log: Log = []
    const tree = mountTree(log)
    // The WHATWG URL parser refuses most of the bad hosts outright, and Request refuses
    // credentials; what it lets through must still be refused.
    for (const url of ['http://[::1/', 'http://a.example.com:99999/', 'http://a b.example.com/']) {
      assert.throws(() => new Request(url))
    }
    assert.throws(() => new Request('http://user@a.example.com/'))
    for (const host of URL_VALID) {
      for (const path of ['/', '/x/y']) {
        const response = await tree.fetch(new Request(`http://${host}${path}`))
        assert.equal(response.status, 400, `${host} ${path}`)
        assert.match(await response.text(), /host/i)
      }
    }
    assert.deepEqual(log, [])
    const ok = await json(await tree.fetch(new Request('http://A.Example.COM./x/y')))
    assert.equal(ok.app, 'x')
  })
})

describe('7. X-Forwarded-Prefix from a trusted proxy must be a same-origin path', () => {
  const OFF_ORIGIN = ['//evil.com', 'https://evil.com', '/\\evil.com', '/app\tx']

  function prefixTree(log: Log): Dispatcher {
    return mount(expressLeaf('root', log), {
      '/backend': expressLeaf('backend', log),
      '/hono': honoLeaf('hono', log),
    })
  }

  test('Node entry: off-origin prefixes are ignored under /backend; /app extends', async () => {
    const log: Log = []
    const port = await nodeEntry(prefixTree(log), true)
    for (const prefix of OFF_ORIGIN) {
      for (const [path, base] of [
        ['/backend/x', '/backend'],
        ['/hono/x', '/hono'],
      ]) {
        const reply = await raw(
          port,
          `GET ${path} HTTP/1.1\r\nHost: ${A}\r\nX-Forwarded-Prefix: ${prefix}\r\nConnection: close\r\n\r\n`,
        )
        assert.deepEqual(reply.statuses, [200], reply.text)
        assert.equal((JSON.parse(bodyOf(reply.text)) as Seen).xfp, base, JSON.stringify(prefix))
      }
    }
    const reply = await raw(
      port,
      `GET /backend/x HTTP/1.1\r\nHost: ${A}\r\nX-Forwarded-Prefix: /app\r\nConnection: close\r\n\r\n`,
    )
    assert.equal((JSON.parse(bodyOf(reply.text)) as Seen).xfp, '/app/backend')
  })

  test('Node entry, at the root: an off-origin prefix is dropped, a valid one passes', async () => {
    const log: Log = []
    const port = await nodeEntry(prefixTree(log), true)
    for (const prefix of OFF_ORIGIN) {
      const reply = await raw(
        port,
        `GET /page HTTP/1.1\r\nHost: ${A}\r\nX-Forwarded-Prefix: ${prefix}\r\nConnection: close\r\n\r\n`,
      )
      const seen = JSON.parse(bodyOf(reply.text)) as Seen
      assert.equal(seen.app, 'root')
      assert.equal(seen.xfp, undefined, JSON.stringify(prefix))
    }
    const reply = await raw(
      port,
      `GET /page HTTP/1.1\r\nHost: ${A}\r\nX-Forwarded-Prefix: /app\r\nConnection: close\r\n\r\n`,
    )
    assert.equal((JSON.parse(bodyOf(reply.text)) as Seen).xfp, '/app')
  })

  test('Fetch entry: off-origin prefixes (a control character included) are ignored, Node and Fetch leaves', async () => {
    const log: Log = []
    const fetch = toFetchHandler(prefixTree(log), { trustProxy: true })
    const send = (path: string, prefix: string) =>
      fetch(new Request(`http://${A}${path}`, { headers: { 'x-forwarded-prefix': prefix } }))
    for (const prefix of OFF_ORIGIN) {
      assert.equal(
        (await json(await send('/backend/x', prefix))).xfp,
        '/backend',
        JSON.stringify(prefix),
      )
      assert.equal((await json(await send('/hono/x', prefix))).xfp, '/hono', JSON.stringify(prefix))
      assert.equal((await json(await send('/page', prefix))).xfp, undefined, JSON.stringify(prefix))
    }
    // Fetch allows \x01 in a header value; HTTP/1.1 does not. The Fetch leaf gets its own
    // prefix; a Node leaf is answered 400, as Node's parser would answer it.
    const control = '/app\u0001x'
    assert.equal((await json(await send('/hono/x', control))).xfp, '/hono')
    assert.equal((await send('/backend/x', control)).status, 400)
    assert.equal((await json(await send('/backend/x', '/app'))).xfp, '/app/backend')
    assert.equal((await json(await send('/hono/x', '/app'))).xfp, '/app/hono')
    assert.equal((await json(await send('/page', '/app'))).xfp, '/app')
  })
})

// ---------------------------------------------------------------------------------------
// Found while attacking the seams, and fixed.

describe('attack pass: found and fixed', () => {
  test("an absolute-form target under @hono/node-server must name the Host's host (400)", async () => {
    const log: Log = []
    const tree = twoHosts('express', log)
    const request = `GET http://${B}/ HTTP/1.1\r\nHost: ${A}\r\nConnection: close\r\n\r\n`
    // The Node entry refuses the disagreement...
    const node = await raw(await nodeEntry(tree), request)
    assert.deepEqual(node.statuses, [400], node.text)
    // ...the Fetch entry served by @hono/node-server dispatches to b, the target's host,
    // while a proxy in front (HAProxy's hdr(host), an allow-list on Host) read a.
    const fetch = await raw(await honoEntry(tree.fetch), request)
    assert.deepEqual(fetch.statuses, [400], fetch.text)
    assert.deepEqual(log, [])
  })

  test("tree.fetch with method 'patch' never reaches a Node leaf as 'PATCH' (400)", async () => {
    const log: Log = []
    const keys: string[] = []
    const tree = lazy(
      (r) => {
        keys.push(r.method)
        return ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) ? 'writer' : 'reader'
      },
      (key) => expressLeaf(key, log),
    )
    const response = await tree.fetch(new Request(`http://${A}/`, { method: 'patch' }))
    // The key function saw 'patch' (a reader); the leaf must not run it as a PATCH.
    assert.deepEqual(keys, ['patch'])
    assert.equal(response.status, 400)
    assert.match(await response.text(), /case-sensitive/)
    assert.deepEqual(log, [])
  })

  test('a trusted X-Forwarded-Prefix list with an off-origin element is ignored whole', async () => {
    const log: Log = []
    const tree = mount(expressLeaf('root', log), { '/backend': expressLeaf('backend', log) })
    const port = await nodeEntry(tree, true)
    // Two fields, which Node joins with ", ", and one field holding the list.
    const twoFields = await raw(
      port,
      `GET /backend/x HTTP/1.1\r\nHost: ${A}\r\nX-Forwarded-Prefix: /app\r\nX-Forwarded-Prefix: //evil.com\r\nConnection: close\r\n\r\n`,
    )
    const viaFetch = await json(
      await toFetchHandler(tree, { trustProxy: true })(
        new Request(`http://${A}/backend/x`, {
          headers: { 'x-forwarded-prefix': '/app, //evil.com' },
        }),
      ),
    )
    for (const xfp of [(JSON.parse(bodyOf(twoFields.text)) as Seen).xfp, viaFetch.xfp]) {
      for (const element of (xfp ?? '').split(',')) {
        assert.ok(!element.trim().startsWith('//'), `the leaf got X-Forwarded-Prefix: ${xfp}`)
      }
    }
  })

  test("a Fetch leaf's Content-Length shorter than its body cuts the connection instead of desyncing it (Node entry)", async () => {
    // A body that carries a forged second response after the first 5 bytes, e.g. a
    // proxying leaf returning an upstream's decoded body with the encoded length.
    const forged = 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL'
    const leaf = (request: Request) =>
      new URL(request.url).pathname === '/long'
        ? new Response(`hello${forged}`, { headers: { 'content-length': '5' } })
        : new Response('second')
    const port = await nodeEntry(mount(leaf))
    const reply = await raw(
      port,
      `GET /long HTTP/1.1\r\nHost: ${A}\r\n\r\nGET /next HTTP/1.1\r\nHost: ${A}\r\nConnection: close\r\n\r\n`,
    )
    // Read the stream as a client does: each response by its Content-Length.
    const answers: string[] = []
    let rest = reply.text
    while (rest.startsWith('HTTP/1.1 ')) {
      const end = rest.indexOf('\r\n\r\n')
      const length = Number(/content-length: *(\d+)/i.exec(rest.slice(0, end))?.[1] ?? 0)
      answers.push(rest.slice(end + 4, end + 4 + length))
      rest = rest.slice(end + 4 + length)
    }
    assert.ok(!answers.includes('EVIL'), `the client read: ${JSON.stringify(answers)}`)
    if (answers.length > 1) assert.equal(answers[1], 'second')
  })
})

describe("8. a Node app's response reaches the Fetch entry's client without its hop-by-hop fields", () => {
  test('Express behind @hono/node-server: Upgrade, Keep-Alive, Proxy-Connection, TE, HTTP2-Settings and the fields Connection names stay on the replay', async () => {
    const app = express()
    app.get('/', (_req, res) => {
      res.set({
        upgrade: 'h2c',
        'keep-alive': 'timeout=99',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        'http2-settings': 'AAMAAABkAAQAAP__',
        connection: 'x-app-hop',
        'x-app-hop': 'dropped',
        'x-kept': 'yes',
      })
      res.send('ok')
    })
    const port = await honoEntry(mount(null, { '/app': app }).fetch)
    const reply = await raw(port, `GET /app/ HTTP/1.1\r\nHost: ${A}\r\nConnection: close\r\n\r\n`)
    assert.deepEqual(reply.statuses, [200], reply.text)
    const head = reply.text.slice(0, reply.text.indexOf('\r\n\r\n')).toLowerCase()
    assert.match(head, /\r\nx-kept: yes/)
    for (const field of [
      'upgrade',
      'keep-alive: timeout=99',
      'proxy-connection',
      'te',
      'http2-settings',
      'x-app-hop',
    ]) {
      assert.ok(!head.includes(`\r\n${field}`), `${field} reached the client:\n${head}`)
    }
    assert.equal(bodyOf(reply.text), 'ok')
  })
})

// Keep the listener types honest for http2's compatibility API.
export type { IncomingMessage, ServerResponse }

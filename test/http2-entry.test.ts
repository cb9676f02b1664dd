// The Node entry under node:http2's compatibility API, against HTTP/1.1 doing the same. Its
// response has no `destroyed`, reports a reset stream as finished, refuses connection-
// specific fields, and reads a plain destroy() as a complete answer: each of these once
// leaked a lease, crashed the process or passed a cut answer off as whole.
import assert from 'node:assert/strict'
import { createServer, get as get1, type Server } from 'node:http'
import {
  type ClientHttp2Stream,
  connect as connectHttp2,
  createServer as createHttp2Server,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Hono } from 'hono'
import { stream as honoStream } from 'hono/streaming'
import { type App, fetchApp, mount, subdomains } from '../src/index.ts'
import { readMetrics } from '../src/metrics.ts'
import { toNodeListener } from '../src/node.ts'

type Kind = 'h1' | 'h2'
const KINDS: Kind[] = ['h1', 'h2']

interface Served {
  port: number
  reported: unknown[]
  close(): void
}

async function serveOver(kind: Kind, app: App): Promise<Served> {
  const reported: unknown[] = []
  const listener = toNodeListener(app, { onError: (error) => reported.push(error) })
  const server = (kind === 'h2' ? createHttp2Server(listener as never) : createServer(listener)) as
    | Server
    | ReturnType<typeof createHttp2Server>
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    reported,
    close: () => server.close(),
  }
}

interface Got {
  status: number
  headers: Record<string, unknown>
  body: string
  /** The client saw the answer end cleanly, not cut. */
  whole: boolean
}

/**
 * A GET: status, body, and whether it ended whole. `leave`: the client goes (HTTP/2 resets
 * the stream, its session stays; HTTP/1.1 closes the connection) after its first bytes, or
 * after that many ms.
 */
function fetchOver(kind: Kind, port: number, host: string, path: string, leave?: 'data' | number) {
  return new Promise<Got>((resolve) => {
    let status = 0
    let headers: Record<string, unknown> = {}
    let body = ''
    if (kind === 'h2') {
      const session = connectHttp2(`http://127.0.0.1:${port}`)
      const stream: ClientHttp2Stream = session.request({ ':path': path, ':authority': host })
      const done = (whole: boolean) => {
        session.close()
        resolve({ status, headers, body, whole })
      }
      stream.on('response', (head) => {
        status = Number(head[':status'])
        headers = { ...head }
      })
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        body += chunk
        if (leave === 'data') stream.close()
      })
      if (typeof leave === 'number') setTimeout(() => stream.close(), leave)
      stream.on('error', () => done(false))
      stream.on('close', () => done(stream.rstCode === 0 && leave === undefined))
      return
    }
    const req = get1({ port, host: '127.0.0.1', path, headers: { host }, agent: false }, (res) => {
      status = res.statusCode as number
      headers = res.headers
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
        if (leave === 'data') req.destroy()
      })
      res.on('end', () => resolve({ status, headers, body, whole: true }))
      res.on('error', () => resolve({ status, headers, body, whole: false }))
    })
    if (typeof leave === 'number') setTimeout(() => req.destroy(), leave)
    req.on('error', () => resolve({ status, headers, body, whole: false }))
  })
}

const plain = ({ status, body, whole }: Got) => ({ status, body, whole })

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check() && Date.now() < deadline) await sleep(10)
}

for (const kind of KINDS) {
  describe(`over ${kind === 'h2' ? 'HTTP/2' : 'HTTP/1.1'}`, () => {
    test('a client that leaves a streamed Fetch answer cancels it, and its instance is released and disposed', async () => {
      const log: string[] = []
      const tenants = subdomains(
        'example.com',
        (key) =>
          fetchApp(() => {
            const body = new ReadableStream<Uint8Array>({
              async pull(controller) {
                await sleep(20)
                controller.enqueue(new TextEncoder().encode(`data: ${key}\n\n`))
              },
              cancel: () => void log.push(`cancel ${key}`),
            })
            return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
          }),
        { max: 1, dispose: (_app, key) => void log.push(`dispose ${key}`) },
      )
      const served = await serveOver(kind, tenants)
      try {
        await fetchOver(kind, served.port, 'a.example.com', '/', 'data')
        await until(() => log.includes('cancel a'))
        // A second tenant evicts the first, which is disposed once its request is over.
        await fetchOver(kind, served.port, 'b.example.com', '/', 'data')
        await until(() => log.includes('dispose a') && log.includes('cancel b'))
        assert.deepEqual(log.slice(0, 2), ['cancel a', 'dispose a'])
        await until(() => tenants.instances().every((i) => i.inFlight === 0))
        assert.deepEqual(
          tenants.instances().map((i) => [i.key, i.inFlight]),
          [['b', 0]],
        )
      } finally {
        served.close()
        await tenants.close()
      }
    })

    test('answers whose fields HTTP/2 refuses (Transfer-Encoding, Keep-Alive, Upgrade) are written without them', async () => {
      const hono = new Hono().get('/hono', (c) =>
        honoStream(c, async (s) => {
          await s.write('streamed')
        }),
      )
      const app = mount(null, {
        '/hono': hono,
        '/te': fetchApp(() => new Response('te', { headers: { 'transfer-encoding': 'chunked' } })),
        '/keep-alive': fetchApp(
          async () => new Response('ka', { headers: { 'keep-alive': 'timeout=5' } }),
        ),
        '/upgrade': fetchApp(
          () => new Response(new Blob(['up']).stream(), { headers: { upgrade: 'h2c' } }),
        ),
        // Response.error(): HTTP/2's writeHead takes status 0 for a 200.
        '/error': fetchApp(() => Response.error()),
        // A Node app's own mistake on HTTP/2: its 500, and the server keeps serving.
        '/node-te': (_req: unknown, res: import('node:http').ServerResponse) => {
          res.setHeader('transfer-encoding', 'chunked')
          res.end('x')
        },
      })
      const served = await serveOver(kind, app)
      try {
        assert.deepEqual(plain(await fetchOver(kind, served.port, 'localhost', '/hono/hono')), {
          status: 200,
          body: 'streamed',
          whole: true,
        })
        // Over HTTP/1.1 too: the framing is Node's (test/fetch-framing.test.ts).
        for (const path of ['/te', '/keep-alive', '/upgrade']) {
          const got = await fetchOver(kind, served.port, 'localhost', path)
          const body = { '/te': 'te', '/keep-alive': 'ka', '/upgrade': 'up' }[path]
          assert.deepEqual(plain(got), { status: 200, body, whole: true }, path)
        }
        assert.equal((await fetchOver(kind, served.port, 'localhost', '/error')).status, 500)
        const own = await fetchOver(kind, served.port, 'localhost', '/node-te')
        assert.equal(own.status, kind === 'h2' ? 500 : 200)
        assert.equal((await fetchOver(kind, served.port, 'localhost', '/hono/hono')).status, 200)
      } finally {
        served.close()
      }
    })

    test('an answer cut short by a failure reaches the client as cut, never as whole', async () => {
      const app = mount(null, {
        '/fetch': fetchApp(
          () =>
            new Response(
              new ReadableStream({
                async start(controller) {
                  controller.enqueue(new TextEncoder().encode('part1 '))
                  await sleep(20)
                  controller.error(new Error('the database went away'))
                },
              }),
            ),
        ),
        '/node': async (_req: unknown, res: import('node:http').ServerResponse) => {
          res.write('part1 ')
          await sleep(20)
          throw new Error('died')
        },
      })
      const served = await serveOver(kind, app)
      try {
        for (const path of ['/fetch', '/node']) {
          const got = await fetchOver(kind, served.port, 'localhost', path)
          assert.deepEqual(plain(got), { status: 200, body: 'part1 ', whole: false }, path)
        }
        assert.equal(served.reported.length, 2)
      } finally {
        served.close()
      }
    })

    test('an app that ended its answer and then threw: the answer is whole', async () => {
      const big = 'y'.repeat(200_000)
      const app = mount(null, {
        '/big': (_req: unknown, res: import('node:http').ServerResponse) => {
          res.setHeader('content-length', big.length)
          res.end(big)
          throw new Error('after the end')
        },
      })
      const served = await serveOver(kind, app)
      try {
        const got = await fetchOver(kind, served.port, 'localhost', '/big')
        assert.equal(got.body.length, big.length)
        assert.equal(got.whole, true)
        assert.equal(served.reported.length, 1)
      } finally {
        served.close()
      }
    })

    test("an app's own connection-specific field: its error answer keeps the app's other fields, or the answer is cut; never a hang", {
      timeout: 10_000,
    }, async () => {
      const app = mount(null, {
        // Throws before anything is written (HTTP/2 refuses the field in writeHead).
        '/head': (_req: unknown, res: import('node:http').ServerResponse) => {
          res.setHeader('x-request-id', 'r1')
          res.setHeader('keep-alive', 'timeout=5')
          res.writeHead(200)
          res.end('x')
        },
        // HTTP/2's end() counts as ended before it writes the head, then throws.
        '/end': (_req: unknown, res: import('node:http').ServerResponse) => {
          res.setHeader('transfer-encoding', 'chunked')
          res.end()
        },
      })
      const served = await serveOver(kind, app)
      try {
        const head = await fetchOver(kind, served.port, 'localhost', '/head')
        const end = await fetchOver(kind, served.port, 'localhost', '/end')
        if (kind === 'h2') {
          assert.equal(head.status, 500)
          assert.equal(head.headers['x-request-id'], 'r1')
          assert.equal(head.headers['keep-alive'], undefined)
          assert.equal(end.whole, false)
        } else {
          assert.deepEqual([head.status, end.status], [200, 200])
        }
      } finally {
        served.close()
      }
    })

    test("an app's own `res.stream` (express-stream) is not taken for HTTP/2's", async () => {
      const app = mount(null, {
        '/app': async (_req: unknown, res: import('node:http').ServerResponse) => {
          // Only HTTP/1's response lets an app set it; HTTP/2's is the stream itself.
          if (kind === 'h1') Object.assign(res, { stream: () => 'a view renderer' })
          res.write('part1 ')
          await sleep(20)
          throw new Error('died')
        },
      })
      const served = await serveOver(kind, app)
      try {
        const got = await fetchOver(kind, served.port, 'localhost', '/app')
        assert.deepEqual(plain(got), { status: 200, body: 'part1 ', whole: false })
      } finally {
        served.close()
      }
    })

    test('a client that leaves before a factory fails is counted once, as aborted', async () => {
      const tenants = subdomains('example.com', async () => {
        await sleep(100)
        throw new Error('the factory failed')
      })
      const served = await serveOver(kind, tenants)
      try {
        await fetchOver(kind, served.port, 'a.example.com', '/', 30)
        await until(() => readMetrics(tenants).tree.requests?.aborted === 1)
        const { aborted, ...answered } = readMetrics(tenants).tree.requests ?? {}
        assert.equal(aborted, 1)
        assert.deepEqual(Object.values(answered), [0, 0, 0, 0, 0])
      } finally {
        served.close()
        await tenants.close()
      }
    })
  })
}

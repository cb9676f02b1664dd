// The contract (DESIGN §1-§3) over real HTTP, with real frameworks, for both entries:
// every case runs once through `toNodeListener` and once through `app.fetch` served by
// @hono/node-server (where Node leaves are reached through the Fetch-to-Node injection).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
} from 'node:http'
import { after, before, describe, it } from 'node:test'
import type { Dispatcher, ErrorContext } from '../src/index.ts'
import {
  type Apps,
  buildApps,
  Fixtures,
  firstEvent,
  type InfoBody,
  mountAll,
  PREFIXES,
  secondEvent,
  sha256,
  UNDEFINED,
} from './support/apps.ts'
import { type Entry, entries, type Running } from './support/entries.ts'

// ---------------------------------------------------------------------------------------
// A raw HTTP client: the path is sent exactly as given (fetch() would normalize it).

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  /** The message arrived whole (its framing ended properly). */
  complete: boolean
  /** The response errored after its head arrived (e.g. the connection was cut). */
  error: Error | undefined
}

interface SendOptions {
  method?: string
  headers?: Record<string, string>
  body?: Buffer
  /** Send the body in chunks without a content-length (chunked transfer encoding). */
  chunked?: boolean
}

function open(base: string, path: string, options: SendOptions = {}): ClientRequest {
  const { hostname, port } = new URL(base)
  const headers: Record<string, string> = { ...options.headers }
  if (options.body !== undefined && !options.chunked) {
    headers['content-length'] = String(options.body.length)
  }
  return request({
    host: hostname,
    port,
    path,
    method: options.method ?? 'GET',
    headers,
    agent: false,
  })
}

function send(base: string, path: string, options: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = open(base, path, options)
    req.once('error', reject)
    req.once('response', (res) => {
      const chunks: Buffer[] = []
      let error: Error | undefined
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', (e) => {
        error = e
      })
      res.once('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete: res.complete,
          error,
        }),
      )
    })
    const body = options.body
    if (body === undefined) req.end()
    else if (!options.chunked) req.end(body)
    else {
      const step = 64 * 1024
      for (let i = 0; i < body.length; i += step) req.write(body.subarray(i, i + step))
      req.end()
    }
  })
}

/** Like send(), but a connection reset before any response is an outcome, not a failure. */
function attempt(
  base: string,
  path: string,
  options: SendOptions = {},
): Promise<Reply | { reset: Error }> {
  return send(base, path, options).catch((reset: Error) => ({ reset }))
}

async function getInfo(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<InfoBody> {
  const reply = await send(base, path, { headers })
  assert.equal(reply.status, 200, `GET ${path}: ${reply.body.toString()}`)
  assert.match(String(reply.headers['content-type']), /^application\/json/)
  return JSON.parse(reply.body.toString()) as InfoBody
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Collects a response body as text, and waits for conditions on it. */
class Collector {
  text = ''
  ended = false
  complete = false
  #waiters = new Set<() => void>()

  constructor(res: IncomingMessage) {
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      this.text += chunk
      this.#wake()
    })
    res.on('error', () => {})
    res.once('close', () => {
      this.ended = true
      this.complete = res.complete
      this.#wake()
    })
  }

  until(condition: (c: Collector) => boolean, ms: number, what: string): Promise<void> {
    return within(
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (condition(this)) {
            this.#waiters.delete(check)
            resolve()
          } else if (this.ended) {
            this.#waiters.delete(check)
            reject(new Error(`the response ended before ${what}; got ${JSON.stringify(this.text)}`))
          }
        }
        this.#waiters.add(check)
        check()
      }),
      ms,
      what,
    )
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter()
  }
}

function expectedInfo(basePath: string, path: string, originalUrl: string) {
  return { basePath, path, originalUrl, params: {}, key: UNDEFINED }
}

const kindOf = new Map(PREFIXES.map(({ app, kind }) => [app, kind]))

/** Asserts what a leaf saw, by kind: Node apps see req.url/baseUrl/originalUrl. */
function assertSaw(
  body: InfoBody,
  expected: { app: string; base: string; rest: string; original?: string },
): void {
  assert.equal(body.app, expected.app, 'the app that answered')
  assert.equal(body.url, expected.rest, 'the URL the app saw')
  if (kindOf.get(expected.app) === 'node') {
    assert.equal(body.baseUrl, expected.base, 'req.baseUrl')
    if (expected.original !== undefined) assert.equal(body.originalUrl, expected.original)
  } else {
    assert.equal(body.baseUrl, undefined, 'a Fetch app has no baseUrl')
  }
  assert.equal(body.info?.basePath, expected.base, 'mountInfo().basePath')
  assert.equal(body.xfp, expected.base === '' ? null : expected.base, 'X-Forwarded-Prefix')
}

const UPLOAD = randomBytes(1024 * 1024)
const UPLOAD_SHA = sha256(UPLOAD)

// ---------------------------------------------------------------------------------------

function contract(entryName: string, start: Entry): void {
  describe(entryName, () => {
    const fx = new Fixtures()
    const reported: Array<{ error: unknown; context: ErrorContext }> = []
    let apps: Apps | undefined
    let dispatcher: Dispatcher
    /** The entry with default options (the fetch entry uses the plain `app.fetch`). */
    let server: Running | undefined
    /** The entry with an `onError` reporter, for the error cases. */
    let quiet: Running | undefined
    const base = () => (server as Running).url
    const quietBase = () => (quiet as Running).url
    const wasReported = (message: string) =>
      reported.some(({ error }) => error instanceof Error && error.message === message)

    before(async () => {
      apps = await buildApps(fx)
      dispatcher = mountAll(apps)
      server = await start(dispatcher)
      quiet = await start(dispatcher, {
        onError: (error, context) => reported.push({ error, context }),
      })
    })

    after(async () => {
      await server?.close()
      await quiet?.close()
      await apps?.close()
    })

    describe('dispatch by prefix', () => {
      for (const { prefix, app } of PREFIXES) {
        it(`${prefix}/info reaches ${app} with the rest, its base and the query unchanged`, async () => {
          const original = `${prefix}/info?a=1&b=%20`
          const body = await getInfo(base(), original)
          assertSaw(body, { app, base: prefix, rest: '/info?a=1&b=%20', original })
          assert.deepEqual(body.info, expectedInfo(prefix, '/info', original))
        })
      }

      it('the default app gets other paths untouched, with no base', async () => {
        const body = await getInfo(base(), '/info?a=1&b=%20')
        assertSaw(body, { app: 'hono', base: '', rest: '/info?a=1&b=%20' })
        assert.deepEqual(body.info, expectedInfo('', '/info', '/info?a=1&b=%20'))
      })

      for (const { prefix, app } of PREFIXES) {
        it(`an exact hit on ${prefix} (with or without a trailing slash) gives ${app} "/"`, async () => {
          for (const sent of [prefix, `${prefix}/`, `${prefix}?q=1`]) {
            const body = await getInfo(base(), sent)
            const query = sent.includes('?') ? '?q=1' : ''
            assertSaw(body, { app, base: prefix, rest: `/${query}`, original: sent })
            assert.deepEqual(body.info, expectedInfo(prefix, '/', sent))
          }
        })
      }

      it('a prefix matches at segment boundaries only: /expressx goes to the default app', async () => {
        const body = await getInfo(base(), '/expressx/info')
        assertSaw(body, { app: 'hono', base: '', rest: '/expressx/info' })
        assert.equal(body.info?.path, '/expressx/info')
      })

      it('matching is case-sensitive: /EXPRESS goes to the default app', async () => {
        const body = await getInfo(base(), '/EXPRESS/info')
        assertSaw(body, { app: 'hono', base: '', rest: '/EXPRESS/info' })
      })

      it('a nested mount accumulates the base: /nested/inner', async () => {
        const body = await getInfo(base(), '/nested/inner/deep/info?x=1')
        assertSaw(body, {
          app: 'express',
          base: '/nested/inner',
          rest: '/deep/info?x=1',
          original: '/nested/inner/deep/info?x=1',
        })
        assert.deepEqual(
          body.info,
          expectedInfo('/nested/inner', '/deep/info', '/nested/inner/deep/info?x=1'),
        )
      })

      it('concurrent requests to every app each get their own answer', async () => {
        const targets = [...PREFIXES, { prefix: '', app: 'hono' }]
        const requests = Array.from({ length: 96 }, (_, i) => {
          const { prefix, app } = targets[i % targets.length] as { prefix: string; app: string }
          return { prefix, app, path: `${prefix}/info?n=${i}` }
        })
        const bodies = await Promise.all(requests.map(({ path }) => getInfo(base(), path)))
        requests.forEach(({ prefix, app, path }, i) => {
          const body = bodies[i] as InfoBody
          assert.equal(body.app, app, path)
          assert.equal(body.url, `/info?n=${i}`, path)
          assert.equal(body.info?.basePath, prefix, path)
          assert.equal(body.info?.originalUrl, path)
        })
      })

      it('a nested mount(null, …) answers 404 for paths under none of its prefixes', async () => {
        const reply = await send(base(), '/nested/other')
        assert.equal(reply.status, 404)
        assert.equal(reply.body.toString(), 'Not Found\n')
      })
    })

    describe('path normalization', () => {
      it('dot-segments are removed before matching (/static/../express/info)', async () => {
        const sent = '/static/../express/info'
        const body = await getInfo(base(), sent)
        // Only a Node entry can know what the client sent; @hono/node-server normalizes first.
        const original = entryName === 'node listener' ? sent : undefined
        assertSaw(body, { app: 'express', base: '/express', rest: '/info', original })
        assert.equal(body.info?.path, '/info')
        if (original !== undefined) assert.equal(body.info?.originalUrl, original)
      })

      it('encoded dot-segments are removed too (/static/%2e%2e/express/info)', async () => {
        const body = await getInfo(base(), '/static/%2e%2e/express/info')
        assertSaw(body, { app: 'express', base: '/express', rest: '/info' })
      })

      it('dot-segments cannot climb out of a prefix into another app', async () => {
        const body = await getInfo(base(), '/express/../fetch/info')
        assertSaw(body, { app: 'fetch', base: '/fetch', rest: '/info' })
        const up = await getInfo(base(), '/express/..')
        assertSaw(up, { app: 'hono', base: '', rest: '/' })
      })

      it('a dot-segment inside a prefix gives the app the normalized rest', async () => {
        for (const { prefix, app } of PREFIXES) {
          const body = await getInfo(base(), `${prefix}/a/./b/../info?x=/../y`)
          assertSaw(body, { app, base: prefix, rest: '/a/info?x=/../y' })
          assert.equal(body.info?.path, '/a/info')
        }
      })

      it('percent-encoded unreserved characters are decoded (/expr%65ss/info)', async () => {
        const body = await getInfo(base(), '/expr%65ss/info')
        assertSaw(body, { app: 'express', base: '/express', rest: '/info' })
        assert.equal(body.info?.originalUrl, '/expr%65ss/info')
      })

      it('an escape that would route elsewhere once decoded is a 400: /express%2Finfo', async () => {
        const reply = await send(base(), '/express%2Finfo')
        assert.equal(reply.status, 400)
        assert.match(reply.body.toString(), /Ambiguous request path/)
      })

      it('%2F is kept as sent where it does not change the app: /express/a%2Finfo', async () => {
        const body = await getInfo(base(), '/express/a%2Finfo')
        assertSaw(body, { app: 'express', base: '/express', rest: '/a%2Finfo' })
      })

      it('the rest never starts with "//" (/<prefix>//evil.com)', async () => {
        for (const { prefix, app } of PREFIXES) {
          const body = await getInfo(base(), `${prefix}//evil.com`)
          assertSaw(body, { app, base: prefix, rest: '/evil.com' })
          assert.equal(body.info?.path, '/evil.com')
        }
        const root = await getInfo(base(), '//evil.com/info')
        assertSaw(root, { app: 'hono', base: '', rest: '/evil.com/info' })
      })

      it('an absolute-form request target dispatches by its path', async () => {
        const original = `${base()}/express/info?z=1`
        const body = await getInfo(base(), original)
        assertSaw(body, { app: 'express', base: '/express', rest: '/info?z=1' })
        assert.equal(body.info?.path, '/info')
        const root = await getInfo(base(), `${base()}/info?z=1`)
        assertSaw(root, { app: 'hono', base: '', rest: '/info?z=1' })
      })

      it('a malformed escape is 400, at the root and under a prefix', async () => {
        for (const path of ['/%zz', '/express/%zz', '/fetch/a%2', '/hono/%g0']) {
          const reply = await send(base(), path)
          assert.equal(reply.status, 400, `${path}: ${reply.body.toString()}`)
        }
        // …and the server goes on.
        const body = await getInfo(base(), '/express/info')
        assert.equal(body.app, 'express')
      })
    })

    describe('X-Forwarded-Prefix', () => {
      for (const { prefix, app } of PREFIXES) {
        it(`a client-sent X-Forwarded-Prefix is replaced at ${prefix}`, async () => {
          const body = await getInfo(base(), `${prefix}/info`, { 'x-forwarded-prefix': '/evil' })
          assertSaw(body, { app, base: prefix, rest: '/info' })
        })
      }

      it('a client-sent X-Forwarded-Prefix is removed at the default app', async () => {
        const body = await getInfo(base(), '/info', { 'X-Forwarded-Prefix': '/evil' })
        assert.equal(body.app, 'hono')
        assert.equal(body.xfp, null)
      })
    })

    describe('request bodies stream through byte-identical (1 MiB)', () => {
      const targets = [...PREFIXES, { prefix: '', app: 'hono' }]
      for (const { prefix, app } of targets) {
        it(`POST ${prefix}/upload (${app}), with a content-length and chunked`, async () => {
          for (const chunked of [false, true]) {
            const reply = await send(base(), `${prefix}/upload`, {
              method: 'POST',
              headers: { 'content-type': 'application/octet-stream' },
              body: UPLOAD,
              chunked,
            })
            assert.equal(reply.status, 200, reply.body.toString().slice(0, 200))
            assert.equal(reply.body.toString(), UPLOAD_SHA, chunked ? 'chunked' : 'content-length')
          }
        })
      }
    })

    describe('responses stream chunk by chunk (SSE)', () => {
      const targets = [...PREFIXES, { prefix: '', app: 'hono' }]
      for (const { prefix, app } of targets) {
        it(`GET ${prefix}/stream (${app}) delivers the first event before the second is written`, async () => {
          fx.armGate(app)
          const req = open(base(), `${prefix}/stream`)
          req.on('error', () => {})
          req.end()
          let opened = false
          try {
            const res = await within(
              new Promise<IncomingMessage>((resolve) => req.once('response', resolve)),
              3000,
              'the response head',
            )
            assert.equal(res.statusCode, 200)
            assert.match(String(res.headers['content-type']), /^text\/event-stream/)
            const body = new Collector(res)
            await body.until((c) => c.text.includes('\n\n'), 3000, 'the first event')
            assert.equal(body.text, firstEvent(app), 'only the first event, before the gate opens')
            fx.openGate(app)
            opened = true
            await body.until((c) => c.ended, 3000, 'the end of the stream')
            assert.equal(body.text, firstEvent(app) + secondEvent(app))
            assert.ok(body.complete, 'the stream ended properly')
          } finally {
            if (!opened) fx.openGate(app)
            req.destroy()
          }
        })
      }
    })

    describe('client disconnects', () => {
      const targets = [
        { path: '/hono/hang', app: 'hono', sees: 'request.signal abort' },
        { path: '/fetch/hang', app: 'fetch', sees: 'request.signal abort' },
        { path: '/hang', app: 'hono', sees: 'request.signal abort' },
        { path: '/node/hang', app: 'node', sees: 'its response close' },
      ]
      for (const { path, app, sees } of targets) {
        it(`aborting GET ${path}: ${app} sees ${sees}`, async () => {
          const probe = fx.armHang(app)
          const req = open(quietBase(), path)
          req.on('error', () => {})
          req.end()
          try {
            await within(probe.received, 3000, 'the app to receive the request')
          } finally {
            req.destroy()
          }
          await within(probe.aborted, 3000, `${app} to see ${sees}`)
          const body = await getInfo(quietBase(), `${path.replace(/hang$/, '')}info`)
          assert.equal(body.app, app)
        })

        it(`aborting GET ${path} is not reported as an app failure`, async () => {
          reported.length = 0
          const probe = fx.armHang(app)
          const req = open(quietBase(), path)
          req.on('error', () => {})
          req.end()
          try {
            await within(probe.received, 3000, 'the app to receive the request')
          } finally {
            req.destroy()
          }
          await within(probe.aborted, 3000, `${app} to see ${sees}`)
          await new Promise((resolve) => setTimeout(resolve, 50))
          assert.deepEqual(
            reported.map(({ error }) => String(error)),
            [],
          )
        })
      }
    })

    describe('error funnel', () => {
      const cases = [
        {
          path: '/node/throw',
          message: 'node boom',
          what: 'a Node handler throwing synchronously',
        },
        { path: '/fetch/throw', message: 'fetch boom', what: 'a Fetch handler throwing' },
        { path: '/fetch/reject', message: 'fetch async boom', what: 'a Fetch handler rejecting' },
      ]
      for (const { path, message, what } of cases) {
        it(`${what} answers a plain 500, is reported, and the server keeps serving`, async () => {
          const reply = await send(quietBase(), path)
          assert.equal(reply.status, 500)
          assert.ok(reply.complete)
          assert.equal(reply.body.toString(), 'Internal Server Error\n', 'no details leak')
          assert.ok(wasReported(message), `onError was given the error "${message}"`)
          const next = await send(quietBase(), path.replace(/\/[a-z]+$/, '/info'))
          assert.equal(next.status, 200)
        })
      }

      for (const app of ['express', 'hono', 'fastify', 'koa']) {
        it(`${app} answers 500 from its own error handler, and the server keeps serving`, async () => {
          const reply = await send(quietBase(), `/${app}/throw`)
          assert.equal(reply.status, 500)
          assert.ok(reply.complete)
          const next = await getInfo(quietBase(), `/${app}/info`)
          assert.equal(next.app, app)
        })
      }

      it('a Node handler that throws after writing its head and a chunk never yields a whole 200', async () => {
        // The head and chunk are still corked when the handler throws, so the client may see
        // the connection reset, a cut-short 200, or (the Fetch entry) a clean 500.
        const outcome = await attempt(quietBase(), '/node/partial')
        if (!('reset' in outcome)) {
          const body = outcome.body.toString()
          if (outcome.status === 500) {
            assert.ok(outcome.complete)
            assert.equal(body, 'Internal Server Error\n')
          } else {
            assert.equal(outcome.status, 200)
            assert.ok(outcome.error !== undefined || !outcome.complete, 'cut short, not whole')
            assert.ok('partial body, then '.startsWith(body), `nothing appended: ${body}`)
          }
        }
        assert.ok(wasReported('node partial boom'))
        const next = await send(quietBase(), '/node/info')
        assert.equal(next.status, 200)
      })

      it('a Node handler that rejects after its response has started is cut short, not corrupted', async () => {
        const reply = await send(quietBase(), '/node/partial-async')
        assert.equal(reply.status, 200, 'the head had already left')
        assert.ok(reply.error !== undefined || !reply.complete, 'the response is cut short')
        assert.equal(reply.body.toString(), 'partial body, then ', 'nothing appended')
        assert.ok(wasReported('node partial async boom'))
        const next = await send(quietBase(), '/node/info')
        assert.equal(next.status, 200)
      })

      // What onError is told: one report per failure, naming the method and what the client sent.
      const reports = [
        ...cases,
        { path: '/node/partial', message: 'node partial boom' },
        { path: '/node/partial-async', message: 'node partial async boom' },
      ]
      for (const { path, message } of reports) {
        it(`GET ${path} is reported once, with its method and URL`, async () => {
          reported.length = 0
          await attempt(quietBase(), path)
          assert.deepEqual(
            reported.map(({ error, context }) => ({
              message: error instanceof Error ? error.message : String(error),
              context,
            })),
            [{ message, context: { method: 'GET', url: path } }],
          )
        })
      }
    })
  })
}

for (const { name, start } of entries) contract(name, start)

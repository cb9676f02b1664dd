// Connect-style middleware as apps (DESIGN §1): a function declaring (req, res, next) gets a
// final next(err?) from switchyard. No error → 404 through notFound(); an error → 500, or its
// own 4xx/5xx `status`/`statusCode`. Called synchronously or later, once or twice, it never
// crashes the process.
//
// Each middleware is mounted directly (at a prefix and at the root) and compared with the SAME
// middleware instance under a reference Express app's `app.use(prefix, mw)`. The reference's
// 404 is Express's "Cannot GET" page, so 404s compare by status only; found files, redirects
// and the headers that matter (content-type, etag, ...) compare exactly.
import assert from 'node:assert/strict'
import { createServer, type RequestListener, STATUS_CODES } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import express from 'express'
import serveStatic from 'serve-static'
import { type App, type Dispatcher, mount } from '../src/index.ts'
import { startProcess as startChild, TSX } from './support/cli.ts'
import { entries, type Running } from './support/entries.ts'
import {
  buildConnectApp,
  buildExpressApp,
  buildRouter,
  DOCS_INDEX,
  exchange,
  get,
  HELLO,
  parseResponses,
  type Reply,
  rawMiddleware,
  SPACED,
  STATIC_DIR,
  statusLines,
} from './support/middleware.ts'

const NOT_FOUND = 'Not Found\n'
const PLAIN = 'text/plain; charset=utf-8'
/** Headers serve-static sets on a file that must come through switchyard unchanged. */
const FILE_HEADERS = [
  'content-type',
  'content-length',
  'etag',
  'last-modified',
  'cache-control',
  'accept-ranges',
]

interface Case {
  name: string
  method?: string
  /** Below the mount prefix. */
  path: string
  headers?: Record<string, string>
  /** Send the reference's etag back as If-None-Match. */
  revalidate?: boolean
  status: number
  /** Exact body expected from both servers. */
  body?: string
  /** Parsed JSON body expected from both servers. */
  json?: unknown
  /** Exact Location expected from both servers. */
  location?: string
  /** Headers that must equal the reference's. */
  compare?: string[]
  /** The body must equal the reference's (redirect pages). */
  sameBody?: boolean
  /** How many times onError must be called; undefined: not asserted (4xx errors). */
  reported?: number
  /** The message of the error that must reach onError. */
  message?: string
}

interface Kind {
  name: string
  prefix: string
  middleware: App
  cases(prefix: string): Case[]
  /** A path below the prefix that answers 200: the server is still up. */
  alive: string
}

function staticCases(prefix: string): Case[] {
  const cases: Case[] = [
    {
      name: 'an existing file: 200, its body and its headers',
      path: '/hello.txt',
      status: 200,
      body: HELLO,
      compare: FILE_HEADERS,
    },
    {
      name: 'a query string does not change the file',
      path: '/hello.txt?v=2',
      status: 200,
      body: HELLO,
    },
    {
      name: 'an encoded path: /a%20b.txt',
      path: '/a%20b.txt',
      status: 200,
      body: SPACED,
      compare: FILE_HEADERS,
    },
    {
      name: 'HEAD: the headers without a body',
      method: 'HEAD',
      path: '/hello.txt',
      status: 200,
      body: '',
      compare: ['content-type', 'content-length', 'etag'],
    },
    {
      name: 'a byte range: 206 with that range',
      path: '/hello.txt',
      headers: { range: 'bytes=0-4' },
      status: 206,
      body: 'hello',
      compare: ['content-range', 'content-length'],
    },
    {
      name: 'a revalidation with the etag: 304',
      path: '/hello.txt',
      revalidate: true,
      status: 304,
      body: '',
    },
    {
      name: 'a missing file: 404 through notFound(), and the server stays up',
      path: '/missing.txt',
      status: 404,
      reported: 0,
    },
    {
      name: 'a directory without its slash: 301 to the slash form, prefix included',
      path: '/docs',
      status: 301,
      location: `${prefix}/docs/`,
      compare: ['content-type'],
      sameBody: true,
    },
    {
      name: 'a directory without its slash, with a query: the redirect keeps the query',
      path: '/docs?tab=1',
      status: 301,
      location: `${prefix}/docs/?tab=1`,
    },
    {
      name: 'a directory with its slash: its index.html',
      path: '/docs/',
      status: 200,
      body: DOCS_INDEX,
      compare: ['content-type', 'etag'],
    },
    {
      name: 'POST to a file: serve-static skips it, the request falls through to 404',
      method: 'POST',
      path: '/hello.txt',
      status: 404,
      reported: 0,
    },
  ]
  if (prefix !== '') {
    // serve-static redirects a request for the mount point itself ("/static") to "/static/",
    // reading req.originalUrl: switchyard's exact hit (rest "/") must look the same.
    cases.push({
      name: 'the mount point without a slash: 301 to the prefix with a slash',
      path: '',
      status: 301,
      location: `${prefix}/`,
    })
  }
  return cases
}

function routerCases(prefix: string): Case[] {
  return [
    {
      name: 'a route: 200',
      path: '/hello',
      status: 200,
      body: 'hello from the router\n',
    },
    {
      name: 'a route with a param sees url, baseUrl and originalUrl as under Express',
      path: '/users/7?x=1',
      status: 200,
      json: { id: '7', url: '/users/7?x=1', baseUrl: prefix, originalUrl: `${prefix}/users/7?x=1` },
    },
    {
      name: 'an encoded param: /users/a%20b',
      path: '/users/a%20b',
      status: 200,
      json: {
        id: 'a b',
        url: '/users/a%20b',
        baseUrl: prefix,
        originalUrl: `${prefix}/users/a%20b`,
      },
    },
    { name: 'no route: 404 through notFound()', path: '/nope', status: 404, reported: 0 },
    {
      name: 'POST to a GET route: 404 through notFound()',
      method: 'POST',
      path: '/hello',
      status: 404,
      reported: 0,
    },
    {
      name: 'next() from a setTimeout: 404',
      path: '/later',
      status: 404,
      reported: 0,
    },
    {
      name: 'next(err): 500 plain text, reported once',
      path: '/boom',
      status: 500,
      reported: 1,
      message: 'boom from the router',
    },
    {
      name: 'next(err) from a setTimeout: 500, reported once',
      path: '/boom-later',
      status: 500,
      reported: 1,
      message: 'late boom from the router',
    },
    {
      name: 'next(err) with status 418: 418',
      path: '/teapot',
      status: 418,
    },
    {
      name: 'next(err) with statusCode 410: 410',
      path: '/gone',
      status: 410,
    },
    {
      name: 'next(err) with status 503: 503, reported once',
      path: '/unavailable',
      status: 503,
      reported: 1,
      message: 'down for maintenance',
    },
    {
      name: 'next(err) with status 200 (not 4xx/5xx): 500',
      path: '/ok-status',
      status: 500,
      reported: 1,
      message: 'an error claiming 200',
    },
  ]
}

const KINDS: Kind[] = [
  {
    name: 'express.static(dir)',
    prefix: '/static',
    middleware: express.static(STATIC_DIR),
    cases: staticCases,
    alive: '/hello.txt',
  },
  {
    name: 'serveStatic(dir)',
    prefix: '/static',
    middleware: serveStatic(STATIC_DIR),
    cases: staticCases,
    alive: '/hello.txt',
  },
  {
    name: 'express.Router()',
    prefix: '/api',
    middleware: buildRouter(),
    cases: routerCases,
    alive: '/hello',
  },
  {
    name: 'a connect() app',
    prefix: '/app',
    middleware: buildConnectApp(),
    cases: (prefix) => [
      { name: 'its own route: 200', path: '/greeting', status: 200, body: 'hello from connect\n' },
      ...staticCases(prefix),
    ],
    alive: '/greeting',
  },
]

interface Placement {
  label: string
  prefix(kind: Kind): string
  tree(app: App, prefix: string): Dispatcher
  reference(app: App, prefix: string): express.Express
}

const PLACEMENTS: Placement[] = [
  {
    label: 'at a prefix',
    prefix: (kind) => kind.prefix,
    tree: (app, prefix) => mount(null, { [prefix]: app }),
    reference: (app, prefix) => referenceApp().use(prefix, app as express.RequestHandler),
  },
  {
    label: 'at the root',
    prefix: () => '',
    tree: (app) => mount(app),
    reference: (app) => referenceApp().use(app as express.RequestHandler),
  },
]

function referenceApp(): express.Express {
  // 'test' keeps finalhandler from printing the stacks of the error cases.
  return express().set('env', 'test')
}

function listenPlain(listener: RequestListener): Promise<Running> {
  const server = createServer(listener)
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}

/** Long enough for a second (wrong) report or a late second response to show up. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 40))

class Reports {
  readonly errors: unknown[] = []
  readonly onError = (error: unknown) => {
    this.errors.push(error)
  }
  /**
   * The message of each report. The error given to next(err) may be reported as is or
   * wrapped (an error whose `cause` it is); either names the original message here.
   */
  messages(): string[] {
    return this.errors.map((e) => {
      const cause = (e as { cause?: unknown }).cause
      if (cause instanceof Error && e instanceof Error && e.message !== cause.message) {
        return cause.message
      }
      return e instanceof Error ? e.message : String(e)
    })
  }
}

async function runCase(
  c: Case,
  prefix: string,
  reference: Running,
  subject: Running,
  reports: Reports,
  alive: string,
): Promise<void> {
  const path = `${prefix}${c.path}`
  let headers = c.headers
  if (c.revalidate) {
    const first = await get(reference.url, path)
    assert.ok(first.headers.etag, 'the reference sends an etag')
    headers = { 'if-none-match': String(first.headers.etag) }
  }
  const options = { method: c.method ?? 'GET', headers }
  const expected = await get(reference.url, path, options)
  reports.errors.length = 0
  const actual = await get(subject.url, path, options)

  // The reference agreeing with the case tells a wrong case from a wrong library.
  assert.equal(expected.status, c.status, `the reference Express app answers ${c.status}`)
  assert.equal(actual.status, c.status, `status; body: ${JSON.stringify(actual.body)}`)
  if (c.body !== undefined) {
    assert.equal(expected.body, c.body, 'reference body')
    assert.equal(actual.body, c.body, 'body')
  }
  if (c.json !== undefined) {
    assert.deepEqual(JSON.parse(expected.body), c.json, 'reference JSON')
    assert.deepEqual(JSON.parse(actual.body), c.json, 'JSON')
  }
  if (c.sameBody) assert.equal(actual.body, expected.body, 'body equals the reference')
  if (c.location !== undefined) {
    assert.equal(expected.headers.location, c.location, 'reference Location')
    assert.equal(actual.headers.location, c.location, 'Location')
  }
  for (const name of c.compare ?? []) {
    assert.ok(expected.headers[name] !== undefined, `the reference sends ${name}`)
    assert.equal(actual.headers[name], expected.headers[name], name)
  }
  if (c.status === 404) assertNotFound(actual)
  if (c.status >= 500) assertPlainError(actual, c.message)
  if (c.status >= 400 && c.status < 500 && c.status !== 404) assertClientError(actual)

  await settle()
  if (c.reported !== undefined) {
    assert.equal(reports.errors.length, c.reported, `reports: ${reports.messages().join(', ')}`)
  }
  if (c.message !== undefined) assert.deepEqual(reports.messages(), [c.message])
  // Whatever happened, the next request is served (the historical failure was a
  // "TypeError: next is not a function" that took the process down).
  const next = await get(subject.url, `${prefix}${alive}`)
  assert.equal(next.status, 200, 'a follow-up request is served')
}

function assertNotFound(reply: Reply): void {
  assert.equal(reply.body, NOT_FOUND, "switchyard's notFound() body")
  assert.equal(reply.headers['content-type'], PLAIN)
}

/**
 * A 4xx taken from an error's `status`: plain text with the standard reason phrase, as
 * finalhandler answers in production ("I'm a Teapot", "Gone"); the DESIGN names no body,
 * so this follows what an Express/Connect user sees there.
 */
function assertClientError(reply: Reply): void {
  assert.match(String(reply.headers['content-type']), /^text\/plain/)
  assert.equal(reply.body, `${STATUS_CODES[reply.status]}\n`, 'the reason phrase')
}

function assertPlainError(reply: Reply, message: string | undefined): void {
  assert.match(String(reply.headers['content-type']), /^text\/plain/)
  if (reply.status === 500) assert.equal(reply.body, 'Internal Server Error\n')
  if (message !== undefined) assert.ok(!reply.body.includes(message), 'details stay in the log')
  assert.doesNotMatch(reply.body, /\n\s+at /, 'no stack trace in the body')
}

for (const kind of KINDS) {
  for (const placement of PLACEMENTS) {
    const prefix = placement.prefix(kind)
    describe(`${kind.name} mounted ${placement.label}${prefix ? ` (${prefix})` : ''}`, () => {
      let reference: Running
      const subjects = new Map<string, Running>()
      const reports = new Reports()

      before(async () => {
        reference = await listenPlain(placement.reference(kind.middleware, prefix))
        for (const entry of entries) {
          const tree = placement.tree(kind.middleware, prefix)
          subjects.set(entry.name, await entry.start(tree, { onError: reports.onError }))
        }
      })
      after(async () => {
        await reference?.close()
        for (const running of subjects.values()) await running.close()
      })

      for (const entry of entries) {
        for (const c of kind.cases(prefix)) {
          it(`${entry.name}: ${c.name}`, { timeout: 15_000 }, async () => {
            const subject = subjects.get(entry.name)
            assert.ok(subject, 'the server started')
            await runCase(c, prefix, reference, subject, reports, kind.alive)
          })
        }
      }
    })
  }
}

const GET = (path: string, last = false) =>
  `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${last ? 'Connection: close\r\n' : ''}\r\n`

function count(text: string, part: string): number {
  return text.split(part).length - 1
}

for (const entry of entries) {
  describe(`the final next() given to bare (req, res, next) functions (${entry.name})`, () => {
    let running: Running
    const reports = new Reports()
    const ok = (_req: unknown, res: import('node:http').ServerResponse) => {
      res.setHeader('content-type', PLAIN)
      res.end('ok\n')
    }

    before(async () => {
      const tree = mount(null, {
        '/twice': rawMiddleware.twice as App,
        '/after-end': rawMiddleware.afterEnd as App,
        '/sync-error': rawMiddleware.syncError as App,
        '/error-then-next': rawMiddleware.errorThenNext as App,
        '/later': rawMiddleware.later as App,
        '/throws': rawMiddleware.throws as App,
        '/ok': ok,
      })
      running = await entry.start(tree, { onError: reports.onError })
    })
    after(() => running?.close())

    it('next() twice: exactly one 404, and the connection goes on to the next request', async () => {
      reports.errors.length = 0
      const text = await exchange(running.url, GET('/twice') + GET('/ok', true))
      const responses = parseResponses(text)
      assert.deepEqual(
        responses.map((r) => r.status),
        [404, 200],
        text,
      )
      assert.equal(responses[0]?.body, NOT_FOUND)
      assert.equal(responses[1]?.body, 'ok\n')
      await settle()
      assert.equal(reports.errors.length, 0, 'a plain next() is not an error')
    })

    it('an answer, then next(): the answer stands and no 404 follows it', async () => {
      const text = await exchange(running.url, GET('/after-end') + GET('/ok', true))
      const responses = parseResponses(text)
      assert.deepEqual(
        responses.map((r) => r.status),
        [200, 200],
        text,
      )
      assert.equal(responses[0]?.body, 'answered\n')
      assert.equal(responses[1]?.body, 'ok\n')
      assert.ok(!text.includes(NOT_FOUND), 'no 404 body written after the answer')
    })

    it('next(err) synchronously: 500 plain text, reported once', async () => {
      reports.errors.length = 0
      const reply = await get(running.url, '/sync-error')
      assert.equal(reply.status, 500)
      assertPlainError(reply, 'sync error from middleware')
      await settle()
      assert.deepEqual(reports.messages(), ['sync error from middleware'])
    })

    it('next(err) then next(): one 500, reported once, the server goes on', async () => {
      reports.errors.length = 0
      const text = await exchange(running.url, GET('/error-then-next') + GET('/ok', true))
      const statuses = statusLines(text)
      // Whether the connection is kept after a 500 is the library's choice; a second
      // response to the same request is not.
      assert.equal(statuses[0], 500, text)
      assert.deepEqual(
        statuses.filter((s) => s !== 200),
        [500],
        text,
      )
      await settle()
      assert.deepEqual(reports.messages(), ['first error'])
      assert.equal((await get(running.url, '/ok')).status, 200)
    })

    it('next() from a setTimeout: 404 through notFound()', async () => {
      const reply = await get(running.url, '/later')
      assert.equal(reply.status, 404)
      assertNotFound(reply)
    })

    it('a throw from a three-parameter function: 500, reported once', async () => {
      reports.errors.length = 0
      const reply = await get(running.url, '/throws')
      assert.equal(reply.status, 500)
      assertPlainError(reply, 'thrown from middleware')
      await settle()
      assert.deepEqual(reports.messages(), ['thrown from middleware'])
      assert.equal((await get(running.url, '/ok')).status, 200)
    })
  })

  // An Express app is `function (req, res, next)`: three declared parameters, so it is
  // Connect middleware to switchyard and gets the final next(). The consequence: what the
  // app does not handle ends in switchyard's answers — the 404 is notFound()'s "Not Found\n",
  // not Express's "Cannot GET /x" page, and an error the app has no handler for is
  // switchyard's 500 (reported through onError), not Express's finalhandler page.
  describe(`an Express app (arity 3) mounted directly (${entry.name})`, () => {
    let running: Running
    let atRoot: Running
    const reports = new Reports()

    before(async () => {
      running = await entry.start(mount(null, { '/express': buildExpressApp() }), {
        onError: reports.onError,
      })
      atRoot = await entry.start(mount(buildExpressApp()), { onError: reports.onError })
    })
    after(async () => {
      await running?.close()
      await atRoot?.close()
    })

    it('the app declares three parameters', () => {
      assert.equal(buildExpressApp().length, 3)
    })

    it('its routes answer', async () => {
      const reply = await get(running.url, '/express/hello')
      assert.equal(reply.status, 200)
      assert.equal(reply.body, 'hello from express\n')
    })

    it("an unmatched route: next() → switchyard's 404, not Express's Cannot GET", async () => {
      for (const [server, path] of [
        [running, '/express/nope'],
        [atRoot, '/nope'],
      ] as const) {
        const reply = await get(server.url, path)
        assert.equal(reply.status, 404, path)
        assertNotFound(reply)
        assert.ok(!reply.body.includes('Cannot GET'))
      }
    })

    it("an error without an error handler: switchyard's 500, reported once", async () => {
      reports.errors.length = 0
      const reply = await get(running.url, '/express/boom')
      assert.equal(reply.status, 500)
      assertPlainError(reply, 'boom from express')
      await settle()
      assert.deepEqual(reports.messages(), ['boom from express'])
      assert.equal((await get(running.url, '/express/hello')).status, 200)
    })

    it('next(err) with status 418 from a route: 418', async () => {
      const reply = await get(running.url, '/express/teapot')
      assert.equal(reply.status, 418)
      assertClientError(reply)
    })
  })
}

describe('under serve(): the process stays up through every middleware case', () => {
  it('answers every case, then still serves, with no crash in its output', {
    timeout: 60_000,
  }, async () => {
    const fixture = new URL('./fixtures/connect-serve/server.ts', import.meta.url).pathname
    const cli = startProcess(fixture)
    try {
      const [, base] = await cli.waitFor(/listening (http:\/\/\S+)/)
      assert.ok(base)
      const cases: Array<[method: string, path: string, status: number]> = [
        ['GET', '/static/hello.txt', 200],
        ['GET', '/static/missing.txt', 404],
        ['GET', '/assets/missing.txt', 404],
        ['GET', '/app/missing.txt', 404],
        ['POST', '/static/hello.txt', 404],
        ['GET', '/static/docs', 301],
        ['GET', '/static/docs/', 200],
        ['GET', '/static/a%20b.txt', 200],
        ['GET', '/api/nope', 404],
        ['GET', '/api/later', 404],
        ['GET', '/api/boom', 500],
        ['GET', '/api/boom-later', 500],
        ['GET', '/api/teapot', 418],
        ['GET', '/api/gone', 410],
        ['GET', '/raw/twice', 404],
        ['GET', '/raw/after-end', 200],
        ['GET', '/raw/sync-error', 500],
        ['GET', '/raw/error-then-next', 500],
        ['GET', '/raw/later', 404],
        ['GET', '/raw/throws', 500],
        ['GET', '/express/nope', 404],
        ['GET', '/express/boom', 500],
      ]
      const seen: string[] = []
      for (const [method, path, status] of cases) {
        const reply = await get(base, path, { method })
        seen.push(`${method} ${path} ${reply.status}`)
        assert.equal(reply.status, status, `${method} ${path}`)
      }
      // Several at once, the same cases, in case a crash needs concurrency.
      const replies = await Promise.all(cases.map(([method, path]) => get(base, path, { method })))
      assert.deepEqual(
        replies.map((r) => r.status),
        cases.map(([, , status]) => status),
      )
      await settle()
      assert.equal(cli.child.exitCode, null, `still running; output:\n${cli.output()}`)
      assert.equal(cli.child.signalCode, null)
      const last = await get(base, '/static/hello.txt')
      assert.equal(last.status, 200)
      assert.equal(last.body, HELLO)
      assert.doesNotMatch(cli.output(), /is not a function|uncaught/i, cli.output())
      assert.equal(
        count(cli.output(), 'reported: boom from the router\n'),
        2,
        'each /api/boom reported once (sequential + concurrent)',
      )
    } finally {
      await cli.stop()
    }
  })
})

/** The fixture as a child process, so a crash is a dead process rather than a test failure. */
function startProcess(fixture: string) {
  return startChild(process.execPath, ['--import', TSX, fixture], process.cwd())
}

// Under `switchyard dev`, a client that prefers JSON gets its error as JSON (status, message,
// frames, cause, its request with secrets redacted); a browser keeps the HTML page. Real
// `switchyard dev` processes: one on failing routes, two on entries that fail to load.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { prefersJson } from '../src/dev/accept.ts'
import { type Cli, startCli } from './support/cli.ts'
import { type Reply, send } from './support/http.ts'

const FIXTURE = fileURLToPath(new URL('fixtures/json-errors-app.ts', import.meta.url))
// Where the fixture's TypeError is thrown, as the source-mapped frame must say (1-based).
const LINES = readFileSync(FIXTURE, 'utf8').split('\n')
const THROW_LINE = LINES.findIndex((line) => line.includes('.total()')) + 1
const THROW_COLUMN = (LINES[THROW_LINE - 1] ?? '').indexOf('total()') + 1
// The funnel sends what the ErrorRenderer gives as HTML: these wait for it to carry its own
// content-type (core/config.ts ErrorRenderer, invoke/node-answer.ts).
const JSON_TYPE = 'application/json; charset=utf-8'
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
// The HTML page is ~60 KB; the JSON answer has no code frames nor styles.
const SMALL = 8 * 1024

interface Frame {
  function?: string
  file: string
  line?: number
  column?: number
}

interface JsonError {
  status?: number
  name: string
  message: string
  code?: string
  stack: Frame[]
  cause?: JsonError | string
}

interface Document {
  error: JsonError
  request: { method: string; url: string; headers: Record<string, string> }
}

function readJson(reply: Reply): Document {
  assert.equal(reply.headers['content-type'], JSON_TYPE)
  assert.ok(Buffer.byteLength(reply.body) < SMALL, `${Buffer.byteLength(reply.body)} bytes`)
  return JSON.parse(reply.body) as Document
}

async function startDev(entry: string, cwd: string): Promise<{ cli: Cli; port: number }> {
  const cli = startCli(['dev', entry, '--port', '0', '--host', '127.0.0.1', '--no-spare'], cwd)
  const port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
  return { cli, port }
}

describe('JSON errors under switchyard dev', () => {
  let dir: string
  let routes: { cli: Cli; port: number }
  let syntax: { cli: Cli; port: number }
  let missing: { cli: Cli; port: number }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-json-errors-'))
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(join(dir, 'syntax.ts'), 'export default {{{ syntax error\n')
    writeFileSync(
      join(dir, 'missing.ts'),
      "import app from 'json-errors-no-such-package'\nexport default app\n",
    )
    ;[routes, syntax, missing] = await Promise.all([
      startDev(FIXTURE, process.cwd()),
      startDev('syntax.ts', dir),
      startDev('missing.ts', dir),
    ])
  })
  after(async () => {
    await Promise.all([routes, syntax, missing].map((dev) => dev?.cli.stop()))
    rmSync(dir, { recursive: true, force: true })
  })

  it('a throwing route answers application/json: 500, the message, frames naming the file, the request without its secrets', async () => {
    const reply = await send(routes.port, '/fetch?page=2', {
      headers: {
        accept: 'application/json',
        cookie: 'session=cookie-secret',
        authorization: 'Bearer token-secret',
      },
    })
    assert.equal(reply.status, 500)
    const { error, request } = readJson(reply)
    assert.equal(error.status, 500)
    assert.equal(error.name, 'TypeError')
    assert.match(error.message, /reading 'total'/)
    // Source-mapped: the TypeScript file at the line of `.total()`, in the function that threw.
    assert.deepEqual(error.stack[0], {
      function: 'readTotal',
      file: FIXTURE,
      line: THROW_LINE,
      column: THROW_COLUMN,
    })
    assert.deepEqual(
      { method: request.method, url: request.url, accept: request.headers.accept },
      { method: 'GET', url: '/fetch?page=2', accept: 'application/json' },
    )
    assert.equal(request.headers.cookie, '[redacted]')
    assert.equal(request.headers.authorization, '[redacted]')
    assert.doesNotMatch(reply.body, /cookie-secret|token-secret/)
  })

  it('an Express route asked with `application/json, */*` answers JSON with the cause', async () => {
    const reply = await send(routes.port, '/express/boom', {
      headers: { accept: 'application/json, */*' },
    })
    assert.equal(reply.status, 500)
    const { error } = readJson(reply)
    assert.equal(error.name, 'RangeError')
    assert.equal(error.message, 'thrown in an Express route')
    assert.equal(error.stack[0]?.file, FIXTURE)
    const cause = error.cause as JsonError
    assert.equal(cause.message, 'the database said no')
    assert.equal(cause.stack[0]?.file, FIXTURE)
  })

  it('Fastify and Koa apps mounted as they are answer JSON from their route errors', async () => {
    for (const [path, message] of [
      ['/fastify/boom', 'thrown in a Fastify route'],
      ['/koa/boom', 'thrown in a Koa middleware'],
    ] as const) {
      const reply = await send(routes.port, path, { headers: { accept: 'application/json' } })
      assert.equal(reply.status, 500, path)
      const { error } = readJson(reply)
      assert.equal(error.message, message)
      assert.equal(error.stack[0]?.file, FIXTURE)
    }
  })

  it('a factory that throws answers 503 as JSON with the factory error', async () => {
    const reply = await send(routes.port, '/tenant/x', {
      headers: { accept: 'application/json', 'x-tenant': 'acme' },
    })
    assert.equal(reply.status, 503)
    const { error } = readJson(reply)
    assert.equal(error.status, 503)
    assert.equal(error.name, 'TypeError')
    assert.equal(error.message, 'no configuration for tenant acme')
    assert.equal(error.stack[0]?.file, FIXTURE)
  })

  it("a browser's Accept, curl's */* and no Accept keep the HTML page", async () => {
    for (const headers of [{ accept: BROWSER }, { accept: '*/*' }, {}] as Record<
      string,
      string
    >[]) {
      const reply = await send(routes.port, '/fetch', { headers })
      assert.equal(reply.status, 500)
      assert.equal(reply.headers['content-type'], 'text/html; charset=utf-8')
      assert.match(reply.body, /<html/i)
      assert.match(reply.body, /reading &#39;total&#39;|reading 'total'/)
    }
  })

  it('an entry with a syntax error answers a JSON client with the load error at its line', async () => {
    const reply = await send(syntax.port, '/any/path', { headers: { accept: 'application/json' } })
    assert.equal(reply.status, 500)
    const { error, request } = readJson(reply)
    assert.equal(error.name, 'SyntaxError')
    assert.match(error.message, /Expected identifier but found/)
    assert.deepEqual(error.stack, [{ file: join(dir, 'syntax.ts'), line: 1, column: 17 }])
    assert.equal(request.url, '/any/path')
    const page = await send(syntax.port, '/any/path', { headers: { accept: BROWSER } })
    assert.equal(page.status, 500)
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8')
    assert.match(page.body, /Expected identifier but found/)
  })

  it('an entry whose import fails answers a JSON client with the import error', async () => {
    const reply = await send(missing.port, '/', { headers: { accept: 'application/json' } })
    assert.equal(reply.status, 500)
    const { error } = readJson(reply)
    assert.equal(error.code, 'ERR_MODULE_NOT_FOUND')
    assert.match(error.message, /json-errors-no-such-package/)
    assert.match(error.message, /missing\.ts/)
    for (const frame of error.stack) assert.ok(frame.file.length <= 201, frame.file)
  })
})

describe('prefersJson: JSON only when it is what the Accept header prefers', () => {
  const cases: Array<[string | undefined, boolean]> = [
    ['application/json', true],
    ['application/json, */*', true],
    ['application/json, text/plain, */*', true],
    ['application/problem+json', true],
    ['application/*', true],
    ['application/json;q=0.9, text/html', false],
    ['text/html, application/json', false],
    ['application/json, text/html', true],
    [BROWSER, false],
    ['*/*', false],
    ['text/plain', false],
    ['application/json;q=0, */*', false],
    ['text/html;q=0, */*', true],
    ['application/xml', false],
    [undefined, false],
    ['', false],
  ]
  for (const [accept, json] of cases) {
    it(`${JSON.stringify(accept)} → ${json ? 'JSON' : 'HTML'}`, () => {
      assert.equal(prefersJson(accept), json)
    })
  }
})

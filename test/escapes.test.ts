// No escape reopens a decision (issue 10, item 8), and non-ASCII prefixes (issue 9, item 7).
// An app that percent-decodes its path (express.static, a router that decodes before it
// matches) reads `/private%2Fsecret.txt` as `/private/secret.txt`: when that would be
// dispatched to another app than the path as sent, the answer is 400; when the decision
// is the same, the escapes reach the app as sent.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import express from 'express'
import fc from 'fast-check'
import { Hono } from 'hono'
import { type App, type Dispatcher, fetchApp, mount, mountInfo, node, paths } from '../src/index.ts'
import { toNodeListener } from '../src/node.ts'
import { BadPath, normalizePath } from '../src/parse/path.ts'
import { listen, type Running, send } from './support/http.ts'
import { callNode } from './support/inproc.ts'
import {
  decodeAllRef,
  decodedViewRef,
  decodingAgrees,
  mountTable,
  SEGMENTS,
  walk,
} from './support/path-arbs.ts'
import { viaNode } from './support/probe-tree.ts'

const SECRET = 'the secret\n'
const PUBLIC = 'hello\n'

let root: string
before(() => {
  root = mkdtempSync(join(tmpdir(), 'switchyard-escapes-'))
  for (const dir of ['private', 'pub', '@admin']) mkdirSync(join(root, dir))
  writeFileSync(join(root, 'private', 'secret.txt'), SECRET)
  writeFileSync(join(root, '@admin', 'secret.txt'), SECRET)
  writeFileSync(join(root, 'pub', 'hello.txt'), PUBLIC)
})
after(() => rmSync(root, { recursive: true, force: true }))

const guard = node((_req, res) => {
  res.writeHead(401, { 'content-type': 'text/plain' })
  res.end('guarded')
})

/** The site: a static folder at the root, the guard in front of its private parts. */
function site(): Dispatcher {
  return mount(express.static(root), { '/private': guard, '/@admin': guard })
}

describe('escapes that a decoding default app would reopen', () => {
  let server: Running
  before(async () => {
    server = await listen(site())
  })
  after(() => server.close())

  it('the static folder serves its files, and the guard answers for its prefixes', async () => {
    assert.deepEqual(await statusAndBody('/pub/hello.txt'), [200, PUBLIC])
    assert.deepEqual(await statusAndBody('/private/secret.txt'), [401, 'guarded'])
    assert.deepEqual(await statusAndBody('/@admin/secret.txt'), [401, 'guarded'])
  })

  const REOPENING = [
    '/private%2Fsecret.txt',
    '/private%2fsecret.txt',
    '/pub/..%2Fprivate/secret.txt',
    '/pub/..%2fprivate/secret.txt',
    '/%40admin/secret.txt',
    '/%40admin%2Fsecret.txt',
    '/private%5Csecret.txt',
  ]
  for (const target of REOPENING) {
    it(`${target}: 400 through the Node entry, not the guarded file`, async () => {
      const reply = await send(server.port, target)
      assert.equal(reply.status, 400, reply.body)
      assert.match(reply.body, /Ambiguous request path/)
      assert.ok(!reply.body.includes(SECRET))
    })
    it(`${target}: 400 through the Fetch entry`, async () => {
      const response = await site().fetch(new Request(`http://localhost${target}`))
      assert.equal(response.status, 400)
      assert.match(await response.text(), /Ambiguous request path/)
    })
  }

  it('escapes that leave the decision alone reach the app as sent', async () => {
    // Decoded, these stay under the same app: the static folder decodes them itself.
    assert.deepEqual(await statusAndBody('/pub/x%2F..%2Fhello.txt'), [200, PUBLIC])
    assert.deepEqual(await statusAndBody('/pub%2Fhello.txt'), [200, PUBLIC])
    assert.deepEqual(await statusAndBody('/private/x%2F..%2Fsecret.txt'), [401, 'guarded'])
    assert.deepEqual(await statusAndBody('/%40admin/../pub/hello.txt'), [200, PUBLIC])
  })

  async function statusAndBody(target: string): Promise<[number, string]> {
    const reply = await send(server.port, target)
    return [reply.status, reply.body]
  }
})

describe('"preserve %2F" apps keep working where the decision does not change', () => {
  // Hono at /api: the route reads its parameter decoded, with the slash in it.
  const hono = new Hono().get('/:name', (c) =>
    c.json({ name: c.req.param('name'), path: new URL(c.req.url).pathname }),
  )
  // As h3 v2 and other raw routers do: the app reads its own URL path, escapes as sent.
  const raw = fetchApp((request) => new Response(new URL(request.url).pathname))
  const nodeRaw = node((req, res) => res.end(req.url))
  const app = mount(null, { '/api': hono, '/raw': raw, '/node': nodeRaw })

  it('Hono at /api: /api/a%2Fb reaches the route, whose parameter is "a/b"', async () => {
    const response = await app.fetch(new Request('http://localhost/api/a%2Fb'))
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { name: 'a/b', path: '/a%2Fb' })
    const server = await listen(app)
    try {
      const reply = await send(server.port, '/api/a%2Fb')
      assert.equal(reply.status, 200)
      assert.deepEqual(JSON.parse(reply.body), { name: 'a/b', path: '/a%2Fb' })
    } finally {
      await server.close()
    }
  })

  it('a raw router sees %2F, %40 and %3A exactly as sent', async () => {
    for (const rest of ['/a%2Fb', '/%40me/x', '/a%3Ab%2F%2Fc', '/x%2F..%2Fy']) {
      const response = await app.fetch(new Request(`http://localhost/raw${rest}`))
      assert.equal(await response.text(), rest)
      const reply = await callNode(toNodeListener(app), { url: `/node${rest}?q`, host: 'h' })
      assert.equal(reply.body, `${rest}?q`)
    }
  })

  it('an escape that would climb into another prefix once decoded is refused', async () => {
    for (const target of ['/api/..%2Fraw/x', '/raw/x%2F..%2F..%2Fnode/y', '/api%2Fx']) {
      const response = await app.fetch(new Request(`http://localhost${target}`))
      assert.equal(response.status, 400, target)
    }
  })

  it('re-entering the same prefix from outside it once decoded is refused', async () => {
    // Decoded, `/raw/x/../../raw/y` is `/raw/y`: the same app, but not the rest it is given.
    const response = await app.fetch(new Request('http://localhost/raw/x%2F..%2F..%2Fraw/y'))
    assert.equal(response.status, 400)
  })
})

describe('prefixes with escapes', () => {
  const seen = (name: string) =>
    node((req, res) => {
      const info = mountInfo(req)
      res.end(`${name} ${info?.basePath} ${info?.path}`)
    })
  const call = async (app: App, url: string) => {
    const reply = await callNode(toNodeListener(app), { url, host: 'h' })
    return reply.status === 200 ? reply.body : reply.status
  }

  it('a prefix with an escaped separator matches as sent; its decoded spelling is a 400', async () => {
    const app = mount(seen('default'), { '/a%2Fb': seen('ab') })
    assert.equal(await call(app, '/a%2Fb/x'), 'ab /a%2Fb /x')
    assert.equal(await call(app, '/a%2fb'), 'ab /a%2Fb /')
    assert.equal(await call(app, '/a/b/x'), 400)
    assert.equal(await call(app, '/a/c'), 'default  /a/c')
  })

  it('refuses prefixes that decode to empty or dot segments, and decoded duplicates', () => {
    for (const prefix of ['/a/%2F', '/%2F', '/a%2F', '/x%2F..', '/x/.%2F', '/%5C']) {
      assert.throws(() => mount(null, { [prefix]: guard }), /once decoded/, prefix)
    }
    for (const pair of [
      ['/a/b', '/a%2Fb'],
      ['/@admin', '/%40admin'],
      ['/a/b', '/a%5Cb'],
    ]) {
      assert.throws(
        () => mount(null, Object.fromEntries(pair.map((p) => [p, guard]))),
        (e: unknown) => e instanceof TypeError && /same path once decoded/.test(e.message),
        pair.join(' '),
      )
    }
  })
})

describe('non-ASCII prefixes are percent-encoded when the dispatcher is built', () => {
  const info = fetchApp((request) => {
    const i = mountInfo(request)
    return Response.json({ base: i?.basePath, path: i?.path, url: new URL(request.url).pathname })
  })

  it("'/api/é' matches /api/%C3%A9/… through the Fetch entry", async () => {
    const app = mount(null, { '/api/é': info, '/日本': info })
    // The Request constructor percent-encodes the path as a browser does.
    const response = await app.fetch(new Request('http://localhost/api/é/x?q=1'))
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { base: '/api/%C3%A9', path: '/x', url: '/x' })
    const japanese = await app.fetch(new Request('http://localhost/%E6%97%A5%E6%9C%AC'))
    assert.deepEqual(await japanese.json(), { base: '/%E6%97%A5%E6%9C%AC', path: '/', url: '/' })
    assert.equal((await app.fetch(new Request('http://localhost/api/e/x'))).status, 404)
  })

  it("'/api/é' matches /api/%C3%A9/… (either hex case) through the Node entry", async () => {
    const server = await listen(mount(null, { '/api/é/': info }))
    try {
      for (const url of ['/api/%C3%A9/x', '/api/%c3%a9/x']) {
        const reply = await send(server.port, url)
        assert.equal(reply.status, 200, url)
        assert.deepEqual(JSON.parse(reply.body), { base: '/api/%C3%A9', path: '/x', url: '/x' })
      }
      assert.equal((await send(server.port, '/api/%C3/x')).status, 404)
    } finally {
      await server.close()
    }
  })

  it('the routes tree shows the encoded prefix, and é and %C3%A9 are one prefix', () => {
    const app = mount(null, { '/é': info })
    assert.equal(app.routes().children?.[0]?.match, '/%C3%A9')
    assert.throws(() => mount(null, { '/é': info, '/%C3%A9': info }), /given twice/)
  })

  it('a prefix with a lone surrogate is a TypeError naming it', () => {
    for (const prefix of ['/\uD800', '/a/\uDC00b', '/x\uD83D']) {
      assert.throws(
        () => mount(null, { [prefix]: info }),
        (e: unknown) => {
          assert.ok(e instanceof TypeError)
          assert.match(
            e.message,
            /^mount\(\): mount prefix .* lone surrogate \(U\+D[89A-F][0-9A-F]{2}/,
          )
          return true
        },
      )
    }
    // A surrogate pair is one character and encodes fine.
    assert.equal(mount(null, { '/😀': info }).routes().children?.[0]?.match, '/%F0%9F%98%80')
  })
})

describe('paths(): the key does not change when the path is decoded', () => {
  const factoryCalls: string[] = []
  const perUser = paths(
    node((req, res) => res.end(`default ${mountInfo(req)?.path}`)),
    (key) => {
      factoryCalls.push(key)
      return key.startsWith('x')
        ? null
        : node((req, res) => {
            const i = mountInfo(req)
            res.end(`${i?.key} ${i?.basePath} ${i?.path}`)
          })
    },
  )
  const listener = toNodeListener(perUser)
  const get = async (url: string) => {
    const reply = await callNode(listener, { url, host: 'h' })
    return reply.status === 200 ? reply.body : reply.status
  }

  it('an escaped separator in the first segment is a 400, never the key as sent', async () => {
    factoryCalls.length = 0
    assert.equal(await get('/alice%2Fx/y'), 400)
    assert.equal(await get('/alice%5Cx'), 400)
    assert.equal(await get('/%2F'), 400)
    assert.deepEqual(factoryCalls, [])
  })

  it('a rest that climbs into another key once decoded is a 400', async () => {
    assert.equal(await get('/alice/x%2F..%2F..%2Fbob/y'), 400)
    assert.equal(await get('/alice/..%2Fbob'), 400)
    assert.equal(await get('/alice/..%2Falice/y'), 400)
  })

  it('other escapes are decoded into the key; base and rest keep them as sent', async () => {
    assert.equal(await get('/%40bob/a%2Fb'), '@bob /%40bob /a%2Fb')
    assert.equal(await get('/@bob/a'), '@bob /@bob /a')
    assert.equal(await get('/%C3%A9lise'), 'élise /%C3%A9lise /')
    assert.equal(await get('/alice/x%2F..%2Fy'), 'alice /alice /x%2F..%2Fy')
    assert.equal(await get('/xavier%2F..'), 400)
    assert.equal(await get('/x%40y/z'), 'default /x%40y/z')
  })

  it('a first segment that is not UTF-8 once decoded is a 400', async () => {
    assert.equal(await get('/%FF/x'), 400)
    assert.equal(await get('/%C3/x'), 400)
  })

  it('one instance for every spelling of a key', () => {
    const keys = perUser.instances().map((i) => i.key)
    assert.equal(keys.filter((k) => k === '@bob').length, 1)
  })
})

// ---- properties ----

const RUNS = { numRuns: 10_000 }

// Raw material for paths full of escapes, reserved ones above all.
const TOKENS = [
  ...['/', '/', '/', '.', '..', '../', '%2F', '%2f', '%5C', '%40', '%3A', '%25', '%20'],
  ...['%2E%2E', '%2e', '%C3%A9', '@', 'a', 'b', '%61', '..%2F', '%2F..%2F'],
  ...SEGMENTS,
]
const escapedPath = fc
  .array(fc.constantFrom(...TOKENS), { maxLength: 12 })
  .map((tokens) => `/${tokens.join('')}`)

describe('property: the path as sent and the path decoded reach the same app, or 400', () => {
  it('mount trees: 400 exactly when the decoded path goes elsewhere', async () => {
    const statuses = new Set<string>()
    await fc.assert(
      fc.asyncProperty(mountTable, escapedPath, async (model, raw) => {
        const normal = normalizePath(raw)
        const result = await viaNode(model, raw)
        if (normal instanceof BadPath) return assert.equal(result, 400)
        const agrees = decodingAgrees(model, normal)
        statuses.add(typeof result === 'number' ? String(result) : 'app')
        if (!agrees) return assert.equal(result, 400, `${raw} (${normal})`)
        assert.ok(typeof result === 'object', `${raw}: ${String(result)} though decoding agrees`)
        // The app is the one the path as sent is under, and so is the decoded path.
        const sent = walk(model, normal, false)
        assert.equal(result.id, sent.id)
        assert.equal(result.info.path, sent.rest)
        assert.equal(
          decodedViewRef(result.info.path),
          walk(model, decodedViewRef(normal), true).rest,
        )
      }),
      RUNS,
    )
    assert.deepEqual([...statuses].sort(), ['400', 'app'])
  })

  it('paths(): the key is the decoded first segment of the decoded path, or 400', async () => {
    const keyed = paths(
      node((req, res) => res.end(`default ${mountInfo(req)?.path}`)),
      () => node((req, res) => res.end(`key ${mountInfo(req)?.key}`)),
      { max: 50 },
    )
    const listener = toNodeListener(keyed)
    await fc.assert(
      fc.asyncProperty(escapedPath, async (raw) => {
        const normal = normalizePath(raw)
        const { status, body } = await callNode(listener, { url: raw, host: 'h' })
        // Let the response's close release its lease, as a server would between requests.
        await new Promise((resolve) => setImmediate(resolve))
        if (normal instanceof BadPath) return assert.equal(status, 400)
        const decoded = decodedViewRef(normal)
        const end = normal.indexOf('/', 1)
        const segment = end < 0 ? normal.slice(1) : normal.slice(1, end)
        if (segment === '') return assert.deepEqual([status, body], [200, `default ${normal}`])
        // Decoded, the segment is still one segment, and the rest does not climb out of it.
        const decodedSegment = decodeAllRef(segment)
        const agrees =
          !decodedSegment.includes('/') &&
          decoded ===
            (end < 0
              ? `/${decodedSegment}`
              : `/${decodedSegment}${decodedViewRef(normal.slice(end))}`)
        let key: string | undefined
        try {
          key = decodeURIComponent(segment)
        } catch {}
        if (!agrees || key === undefined) return assert.equal(status, 400, raw)
        assert.equal(status, 200, raw)
        assert.equal(body, `key ${key}`, raw)
      }),
      RUNS,
    )
  })
})

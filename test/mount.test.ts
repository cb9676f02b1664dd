import assert from 'node:assert/strict'
import http from 'node:http'
import { describe, it } from 'node:test'
import {
  fetchApp,
  type MountInfo,
  mount,
  mountInfo,
  node,
  notFound,
  toFetchHandler,
} from '../src/index.ts'
// The Node half: lets fetch() reach the Node apps these trees hold.
import '../src/node.ts'

// A Fetch app that reports what it saw.
function probe(name: string) {
  return fetchApp((request: Request) => {
    const url = new URL(request.url)
    return Response.json({
      name,
      path: url.pathname + url.search,
      xfp: request.headers.get('x-forwarded-prefix'),
      info: mountInfo(request),
    })
  })
}

interface Seen {
  name: string
  path: string
  xfp: string | null
  info: MountInfo
}

async function get(
  app: { fetch(r: Request): Promise<Response> },
  path: string,
  init?: RequestInit,
) {
  const response = await app.fetch(new Request(`http://localhost${path}`, init))
  assert.equal(response.status, 200, `${path}: ${response.status}`)
  return (await response.json()) as Seen
}

describe('mount()', () => {
  const app = mount(probe('default'), {
    '/backend': probe('backend'),
    '/api': probe('api'),
    '/api/v2/': probe('v2'),
    '/nested': mount(probe('nested-default'), { '/inner': probe('inner') }),
  })

  it('dispatches by longest prefix at segment boundaries', async () => {
    assert.equal((await get(app, '/backend/x')).name, 'backend')
    assert.equal((await get(app, '/backendx')).name, 'default')
    assert.equal((await get(app, '/api/v1')).name, 'api')
    assert.equal((await get(app, '/api/v2/users')).name, 'v2')
    assert.equal((await get(app, '/api/v2')).name, 'v2')
    assert.equal((await get(app, '/api/v2x')).name, 'api')
    assert.equal((await get(app, '/BACKEND/x')).name, 'default')
  })

  it('hands on the rest, the query and the base', async () => {
    const seen = await get(app, '/backend/x/y?q=1&r=%20')
    assert.equal(seen.path, '/x/y?q=1&r=%20')
    assert.equal(seen.xfp, '/backend')
    assert.deepEqual(seen.info, {
      basePath: '/backend',
      path: '/x/y',
      originalUrl: '/backend/x/y?q=1&r=%20',
      params: {},
    })
    assert.equal((await get(app, '/backend')).path, '/')
    assert.equal((await get(app, '/backend/')).path, '/')
  })

  it('accumulates the base through nested mounts', async () => {
    const seen = await get(app, '/nested/inner/deep')
    assert.equal(seen.name, 'inner')
    assert.equal(seen.xfp, '/nested/inner')
    assert.equal(seen.info.basePath, '/nested/inner')
    assert.equal(seen.info.basePath + seen.info.path, '/nested/inner/deep')
    assert.equal((await get(app, '/nested/other')).name, 'nested-default')
  })

  it('matches on the normalized path and hands on the normalized rest', async () => {
    const dots = await get(app, '/static/%2e%2e/backend/x')
    assert.equal(dots.name, 'backend')
    assert.equal(dots.path, '/x')
    assert.equal((await get(app, '/back%65nd/x')).name, 'backend')
    // Decoded, /backend%2Fx is under /backend: another app than as sent, so 400.
    assert.equal((await app.fetch(new Request('http://localhost/backend%2Fx'))).status, 400)
    const kept = await get(app, '/backend/x%2Fy')
    assert.equal(kept.name, 'backend')
    assert.equal(kept.path, '/x%2Fy')
    const evil = await get(app, '/backend//evil.com')
    assert.equal(evil.name, 'backend')
    assert.equal(evil.path, '/evil.com')
  })

  it('answers 400 for malformed paths', async () => {
    const response = await app.fetch(new Request('http://localhost/a%zzb'))
    assert.equal(response.status, 400)
    assert.match(await response.text(), /percent-encoding/)
  })

  it('replaces a client-sent X-Forwarded-Prefix, and removes it at the root', async () => {
    const headers = { 'x-forwarded-prefix': '/evil' }
    assert.equal((await get(app, '/backend/x', { headers })).xfp, '/backend')
    assert.equal((await get(app, '/other', { headers })).xfp, null)
  })

  it('treats a null default app as notFound()', async () => {
    const only = mount(null, { '/a': probe('a') })
    assert.equal((await only.fetch(new Request('http://localhost/b'))).status, 404)
    assert.equal((await get(only, '/a/b')).name, 'a')
  })

  it('passes a root request with a normal path through untouched', async () => {
    let received: Request | undefined
    const original = new Request('http://localhost/plain?x=1')
    await mount((request: Request) => {
      received = request
      return new Response('ok')
    }).fetch(original)
    assert.equal(received, original)
  })

  it('lists its routes', () => {
    const tree = app.routes()
    assert.equal(tree.kind, 'mount')
    assert.deepEqual(
      tree.children?.map((child) => child.match),
      ['/backend', '/api/v2', '/nested', '/api', '*'],
    )
  })
})

describe('app detection', () => {
  const ok = () => new Response('fetch')
  it('classifies by declared arity, with node()/fetchApp() overrides', async () => {
    const text = async (app: Parameters<typeof mount>[0]) =>
      (await mount(app).fetch(new Request('http://localhost/'))).text()
    assert.equal(await text(ok), 'fetch')
    assert.equal(
      await text((_req: http.IncomingMessage, res: http.ServerResponse) => res.end('node')),
      'node',
    )
    assert.equal(
      await text(node((...args: unknown[]) => (args[1] as http.ServerResponse).end('forced node'))),
      'forced node',
    )
    assert.equal(
      await text(fetchApp((..._args: unknown[]) => new Response('forced fetch'))),
      'forced fetch',
    )
    assert.equal(await text({ fetch: ok }), 'fetch')
    assert.equal(await text(notFound()), 'Not Found\n')
  })

  it('answers 400, unreported, when a Fetch request carries header bytes HTTP/1.1 refuses', async () => {
    const reported: unknown[] = []
    const app = toFetchHandler(
      mount(null, {
        '/n': (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('node'),
      }),
      { onError: (error) => reported.push(error) },
    )
    const request = new Request('http://localhost/n/x', { headers: { 'x-tenant': '\u0001' } })
    const response = await app(request)
    assert.equal(response.status, 400)
    assert.match(await response.text(), /Invalid request header/)
    assert.deepEqual(reported, [])
  })

  it('delivers to an unlistened http.Server with emit("request")', async () => {
    const server = http.createServer((req, res) => res.end(`server saw ${req.url}`))
    const response = await mount(null, { '/s': server }).fetch(new Request('http://localhost/s/x'))
    assert.equal(await response.text(), 'server saw /x')
  })

  const invalid: Array<[string, unknown, RegExp]> = [
    ['a number', 42, /expected an app/],
    ['an empty object', {}, /without a fetch method/],
    ['a string', 'app', /expected an app/],
    ['a Fastify-like object', { server: http.createServer() }, /app\.server/],
    ['a Koa-like object', { callback: () => {} }, /app\.callback\(\)/],
  ]
  for (const [what, value, message] of invalid) {
    it(`refuses ${what} when the dispatcher is built`, () => {
      assert.throws(
        () => mount(value as never),
        (e: unknown) => e instanceof TypeError && message.test(e.message),
      )
      assert.throws(
        () => mount(null, { '/x': value as never }),
        (e: unknown) => e instanceof TypeError && /"\/x"/.test(e.message),
      )
    })
  }

  it('refuses a listening server', async () => {
    const server = http.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      assert.throws(() => mount(server), /already listening/)
    } finally {
      server.close()
    }
  })

  it('refuses duplicate and invalid prefixes', () => {
    assert.throws(() => mount(null, { '/a': ok, '/a/': ok }), /given twice/)
    assert.throws(() => mount(null, { a: ok }), TypeError)
    assert.throws(() => mount(null, { '/': ok }), /default app/)
  })

  it('refuses non-functions in node() and fetchApp()', () => {
    assert.throws(() => node(1 as never), TypeError)
    assert.throws(() => fetchApp({} as never), TypeError)
  })
})

describe('mount() with many prefixes', () => {
  // Past a handful of prefixes, mount looks prefixes up by segment; it must agree with the
  // longest-prefix rule on every path.
  const prefixes = ['/a', '/a/b', '/a/b/c', '/ab', '/x/y/z', '/x', '/deep/1/2/3/4/5']
  for (let i = 0; i < 40; i++) prefixes.push(`/p${i}`, `/p${i}/q`)
  const app = mount(
    (request: Request) => new Response(`default ${new URL(request.url).pathname}`),
    prefixes.map((prefix) => [
      prefix,
      (request: Request) => new Response(`${prefix} ${new URL(request.url).pathname}`),
    ]),
  )
  const longest = (path: string) =>
    prefixes
      .filter((p) => path === p || path.startsWith(`${p}/`))
      .sort((a, b) => b.length - a.length)[0]

  it('picks the longest prefix at segment boundaries, like the scan', async () => {
    const paths = [
      '/',
      '/a',
      '/a/',
      '/a/b',
      '/a/bc',
      '/a/b/c/d',
      '/ab/c',
      '/abc',
      '/x/y',
      '/x/y/z/w',
    ]
    paths.push('/deep/1/2/3/4/5/6', '/deep/1/2', '/p7', '/p7/q', '/p7/qr', '/p39/q/r', '/p40')
    for (const path of paths) {
      const prefix = longest(path)
      const rest = prefix === undefined ? path : path.slice(prefix.length) || '/'
      const body = await (await app.fetch(new Request(`http://localhost${path}`))).text()
      assert.equal(body, `${prefix ?? 'default'} ${rest}`, path)
    }
  })
})

// The routes inside mounted apps: appRoutes() on each framework's real objects, and
// `switchyard routes` listing them under their leaves as a real child process.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { formatRoutes } from '../src/cli/routes.ts'
import { appRoutes } from '../src/core/app-routes.ts'
import { hosts, mount, node } from '../src/index.ts'
import { startCli } from './support/cli.ts'

const ok = (_req: unknown, res: { end(): void }) => res.end()

function expressApp() {
  const app = express()
  const users = express.Router()
  users.get('/', ok)
  users.post('/', ok)
  const admin = express.Router()
  admin.get('/list', ok)
  admin.all('/any', ok)
  admin.use('/users/:team', users)
  app.use(express.json())
  app.use('/admin', admin)
  app.get(['/a', '/b'], ok)
  app.post('/orders', ok)
  return app
}

const EXPRESS = [
  { methods: ['GET', 'HEAD'], path: '/admin/list' },
  { methods: ['ALL'], path: '/admin/any' },
  { methods: ['GET', 'HEAD', 'POST'], path: '/admin/users/:team' },
  { methods: ['GET', 'HEAD'], path: '/a' },
  { methods: ['GET', 'HEAD'], path: '/b' },
  { methods: ['POST'], path: '/orders' },
]

describe('appRoutes', () => {
  it('walks an Express 5 app: routes, routers under their use() path, all() as ALL', () => {
    assert.deepEqual(appRoutes(expressApp()), EXPRESS)
    const router = express.Router()
    router.delete('/x/:id', ok)
    assert.deepEqual(appRoutes(router), [{ methods: ['DELETE'], path: '/x/:id' }])
    assert.deepEqual(appRoutes(express()), [])
  })

  it('reads the layers themselves where the router has no listRoutes() (before 2.3)', () => {
    const proto = Object.getPrototypeOf(express.Router()) as { listRoutes?: unknown }
    const listRoutes = proto.listRoutes
    assert.equal(typeof listRoutes, 'function')
    delete proto.listRoutes
    try {
      assert.deepEqual(appRoutes(expressApp()), EXPRESS)
    } finally {
      proto.listRoutes = listRoutes
    }
  })

  it("decodes Express 4's compiled mount paths (layers as express 4.22 builds them)", () => {
    // Express 4 is not installed here: its layers' shape, with the regexps path-to-regexp
    // 0.1.13 (express 4.22) and 0.1.7 (older 4.x) compile.
    const route = (path: unknown, methods: Record<string, boolean>) => ({
      route: { path, methods },
    })
    const inner = { stack: [route('/deep', { post: true })] }
    const mounted = (regexp: RegExp, keys: object[] = []) => ({ regexp, keys, handle: inner })
    const re = (source: string) => new RegExp(source, 'i')
    const root = Object.assign(/^\/?(?=\/|$)/i, { fast_slash: true })
    const app = Object.assign(() => undefined, {
      handle() {},
      set() {},
      lazyrouter() {},
      _router: {
        stack: [
          { regexp: root, keys: [], handle: () => undefined }, // middleware
          mounted(/^\/admin\/?(?=\/|$)/i),
          mounted(/^\/in(?:\/([^/]+?))\/?(?=\/|$)/i, [{ name: 'id', optional: false }]),
          // 0.1.7 escapes the slash in the class: strings keep the escape a linter would drop.
          mounted(re('^\\/on\\/(?:([^\\/]+?))\\/?(?=\\/|$)'), [{ name: 'id', optional: false }]),
          mounted(re('^\\/users(?:\\/([^\\/]+?))?\\/?(?=\\/|$)'), [
            { name: 'uid', optional: true },
          ]),
          mounted(/(?:^\/a\/?(?=\/|$)|^\/b\/?(?=\/|$))/i),
          mounted(/^\/v1\.0\/x-y\/?(?=\/|$)/i),
          mounted(/^\/files\/(.*)(?:\/([^/]+?))\/?(?=\/|$)/i, [{ name: 0 }, { name: 'id' }]),
          mounted(/^\/re(\d+)/, [{ name: 0 }]),
          mounted(root),
          route('/orders', { get: true, _all: true }),
          { regexp: /^\/sub\/?(?=\/|$)/i, keys: [], handle: function mounted_app() {} },
        ],
      },
    })
    assert.deepEqual(
      appRoutes(app)?.map((r) => `${r.methods.join(',')} ${r.path}`),
      [
        'POST /admin/deep',
        'POST /in/:id/deep',
        'POST /on/:id/deep',
        'POST /users/:uid?/deep',
        'POST /a/deep',
        'POST /b/deep',
        'POST /v1.0/x-y/deep',
        'POST /files/*/:id/deep',
        'POST /^\\/re(\\d+)/deep', // not a path: the regexp itself
        'POST /deep',
        'GET,HEAD,ALL /orders',
      ],
    )
    // Router 2.0-2.2 (older Express 5 installs) keep no mount path, only whether use() had one.
    const router = {
      stack: [
        { slash: true, matchers: [], handle: inner },
        { slash: false, matchers: [], handle: inner },
      ],
    }
    assert.deepEqual(
      appRoutes(Object.assign(() => undefined, router))?.map((r) => r.path),
      ['/deep', '/…/deep'],
    )
    // An Express 4 app before its first route has no `_router` (and `router` throws).
    const empty = Object.assign(() => undefined, { handle() {}, set() {}, lazyrouter() {} })
    Object.defineProperty(empty, 'router', {
      get() {
        throw new Error("'app.router' is deprecated!")
      },
    })
    assert.deepEqual(appRoutes(empty), [])
  })

  it('lists a Hono app without its use() middleware, sub-apps under their route()', () => {
    const app = new Hono()
    app.use('*', async (_c, next) => next())
    app.use('/items/*', async (_c, next) => next())
    app.get('/items/:id', (c) => c.text('get'))
    app.post('/items/:id', (c) => c.text('post'))
    app.all('/any', (c) => c.text('any'))
    const sub = new Hono()
    sub.onError((_e, c) => c.text('oops', 500)) // wraps each route's handler
    sub.all('/x', (c) => c.text('x'))
    app.route('/sub', sub)
    assert.deepEqual(appRoutes(app), [
      { methods: ['GET', 'HEAD', 'POST'], path: '/items/:id' },
      { methods: ['ALL'], path: '/any' },
      { methods: ['ALL'], path: '/sub/x' },
    ])
  })

  it("reads a Fastify instance's table: its routes now, its plugins' once ready", async () => {
    const app = Fastify()
    app.get('/health', async () => 'ok')
    app.get('/static/*', async () => 'file')
    app.get('/items/:id', async () => 'item')
    app.post('/items/:id', async () => 'made')
    app.get('/v', { constraints: { version: '1.0.0' } }, async () => 'v1')
    app.put('/v', async () => 'put')
    app.all('/any', async () => 'any')
    app.register(async (plugin) => plugin.get('/in', async () => 'in'), { prefix: '/p' })
    const before = [
      { methods: ['GET', 'HEAD'], path: '/health' },
      { methods: ['GET', 'HEAD'], path: '/static/*' },
      { methods: ['GET', 'HEAD', 'POST'], path: '/items/:id' },
      { methods: ['GET', 'HEAD', 'PUT'], path: '/v' },
      { methods: ['ALL'], path: '/any' },
    ]
    const sorted = (routes: unknown) =>
      [...(routes as Array<{ path: string }>)].sort((a, b) => a.path.localeCompare(b.path))
    assert.deepEqual(sorted(appRoutes(app)), sorted(before))
    await app.ready()
    const after = [...before, { methods: ['GET', 'HEAD'], path: '/p/in' }]
    assert.deepEqual(sorted(appRoutes(app)), sorted(after))
    await app.close()
    assert.deepEqual(appRoutes(Fastify()), [])
  })

  it('has nothing for Koa, plain handlers and Fetch apps', () => {
    assert.equal(appRoutes(new Koa()), undefined)
    assert.equal(
      appRoutes((_req: unknown, _res: unknown) => undefined),
      undefined,
    )
    assert.equal(appRoutes({ fetch: () => new Response('x') }), undefined)
    assert.equal(appRoutes(undefined), undefined)
  })
})

describe('routes() trees', () => {
  it('node(expressApp) carries its routes; mounts, not hosts, prefix them when printed', () => {
    assert.deepEqual(node(expressApp()).routes().routes, EXPRESS)
    const v2 = new Hono()
    v2.get('/items/:id', (c) => c.text('item'))
    const tree = mount(null, { '/x': hosts({ 'a.localhost': mount(null, { '/y': v2 }) }) })
    const text = formatRoutes(tree.routes())
    assert.match(text, /^│ {2}│ {2}│ {5}GET,HEAD {2}\/x\/y\/items\/:id$/m)
    assert.match(text, /─ a\.localhost {2}→ {2}mount\n/)
  })
})

describe('switchyard routes with apps inside', () => {
  it("prints each app's routes under its leaf, with methods and the full path", async () => {
    const cli = startCli(['routes', 'test/fixtures/routes-inner-app.ts'], process.cwd())
    assert.equal(await cli.exit, 0, cli.output())
    const lines = cli.output().trimEnd().split('\n')
    const under = (leaf: RegExp) => {
      const at = lines.findIndex((line) => leaf.test(line))
      assert.ok(at >= 0, `${leaf} in\n${lines.join('\n')}`)
      const end = lines.findIndex((line, i) => i > at && /[├└]─ /.test(line))
      return lines
        .slice(at + 1, end < 0 ? undefined : end)
        .map((line) => line.replace(/^[│ ]+/, ''))
    }
    assert.deepEqual(under(/─ \/admin {2}→ {2}app\(\) \[connect\]$/), ['GET,HEAD  /admin/list'])
    assert.deepEqual(under(/─ \/v2 {2}→ {2}Hono \[fetch\]$/), ['GET,HEAD  /v2/items/:id'])
    // /api/v1/status comes from a plugin: the instance was made ready() to list it.
    assert.deepEqual(under(/─ \/api {2}→ {2}Fastify \[server\]$/), [
      'GET,HEAD  /api/health',
      'GET,HEAD  /api/v1/status',
    ])
    assert.deepEqual(under(/└─ \* {2}→ {2}app\(\) \[connect\]$/), ['POST  /orders'])
  })
})

// Two installed copies of switchyard in one process (DESIGN §1): dispatchers are recognised
// by a `Symbol.for` brand, never `instanceof`, so a tree built by copy A nests inside a tree
// of copy B — and B's entries, routes(), `switchyard routes` and close() treat A's
// dispatchers, leaves and lazily created instances as their own.
//
// The package is built once (tsc with the package's own tsconfig.build.json, into a temporary
// directory rather than the working tree's dist/) and laid out twice, as npm installs it:
// <tmp>/a/node_modules/switchyard/{package.json,dist} and the same under <tmp>/b. Each
// consumer's node_modules links the package's runtime dependencies to the repository's, so no
// network is needed; the two switchyard copies are real, separate files, so every module of
// the package (and every class and plain Symbol() in it) exists twice in the process.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { createAdaptorServer } from '@hono/node-server'
import type * as RootEntry from '../src/index.ts'
import type * as NodeEntry from '../src/node.ts'
import { get } from './support/middleware.ts'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface Copy {
  name: string
  /** <tmp>/<name>/node_modules/switchyard */
  dir: string
  root: typeof RootEntry
  node: typeof NodeEntry
  bin: string
}

let tmp = ''
let A: Copy
let B: Copy

/** `mountInfo()` as JSON: undefined → null, so a missing answer shows in the diff. */
function serialize(info: RootEntry.MountInfo | undefined) {
  if (info === undefined) return null
  return {
    basePath: info.basePath,
    path: info.path,
    originalUrl: info.originalUrl,
    params: { ...info.params },
    key: info.key ?? null,
  }
}

interface Tree {
  /** Copy B's root: hosts → mount, with copy A's dispatchers and leaves inside. */
  outer: RootEntry.Dispatcher
  /** Copy A's mount, nested in `outer` at /outer and at {team}.teams.test. */
  inner: RootEntry.Dispatcher
  /** Copy A's subdomains, nested in `outer` at /tenants. */
  tenants: RootEntry.Dispatcher
  /** Keys disposed by A's lazy dispatchers, in order. */
  disposed: string[]
}

function buildTree(): Tree {
  const a = A.root
  const b = B.root
  const disposed: string[] = []
  const infos = (target: object) => ({
    infoA: serialize(a.mountInfo(target)),
    infoB: serialize(b.mountInfo(target)),
  })
  const json = (res: ServerResponse, body: unknown) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(body))
  }
  const nodeProbe = a.node(
    (req: IncomingMessage & { originalUrl?: string; baseUrl?: string }, res) =>
      json(res, {
        via: 'node',
        url: req.url,
        originalUrl: req.originalUrl ?? null,
        baseUrl: req.baseUrl ?? null,
        forwardedPrefix: req.headers['x-forwarded-prefix'] ?? null,
        ...infos(req),
      }),
  )
  const fetchProbe = a.fetchApp((request: Request) => {
    const url = new URL(request.url)
    return Response.json({
      via: 'fetch',
      target: url.pathname + url.search,
      forwardedPrefix: request.headers.get('x-forwarded-prefix'),
      ...infos(request),
    })
  })
  const tenant = (key: string) => (req: IncomingMessage, res: ServerResponse) =>
    json(res, { tenant: key, url: req.url, ...infos(req) })
  const tenants = a.subdomains(
    'example.com',
    (sub: string) => (sub === 'acme' || sub === 'globex' ? tenant(sub) : null),
    { dispose: (_app: unknown, key: string) => void disposed.push(`tenant:${key}`) },
  )
  const teams = a.lazy(
    (r: RootEntry.RequestView) => r.header('x-team') ?? null,
    (key: string) => tenant(`team ${key}`),
    {
      fallback: a.notFound(),
      dispose: (_app: unknown, key: string) => void disposed.push(`team:${key}`),
    },
  )
  const inner = a.mount(a.notFound(), {
    '/node': nodeProbe,
    '/fetch': fetchProbe,
    '/deeper': a.mount(null, { '/leaf': nodeProbe }),
    '/teams': teams,
    // A's own status errors (400, 503) must keep their status through B's funnel.
    '/users': a.paths(null, (key: string) => tenant(`user ${key}`)),
    '/failing': a
      .lazy(
        () => 'k',
        () => {
          throw new Error('the tenant store is down')
        },
      )
      .on('error', () => {}),
    // A leaf of copy B inside a dispatcher of copy A, inside a dispatcher of copy B.
    '/b-leaf': b.node((_req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('content-type', 'text/plain; charset=utf-8')
      res.end('a leaf of copy B\n')
    }),
  })
  const outer = b.hosts({
    '{team}.teams.test': inner,
    '*': b.mount(b.notFound(), { '/outer': inner, '/tenants': tenants, '/gone': a.notFound() }),
  })
  return { outer, inner, tenants, disposed }
}

interface Running {
  url: string
  close(): Promise<void>
}

function listen(server: import('node:http').Server): Promise<Running> {
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

/** Copy B's two entries: its Node listener, and its dispatcher's `fetch` under @hono/node-server. */
const ENTRIES: ReadonlyArray<{
  name: string
  start(app: RootEntry.Dispatcher): Promise<Running>
}> = [
  {
    name: "B's toNodeListener",
    start: (app) => listen(createServer(B.node.toNodeListener(app, { onError: () => {} }))),
  },
  {
    name: "B's fetch",
    start: (app) =>
      listen(
        createAdaptorServer({
          fetch: app.fetch,
          overrideGlobalObjects: false,
        }) as import('node:http').Server,
      ),
  },
]

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'switchyard-copies-'))
  const build = join(tmp, 'build')
  let log = ''
  try {
    const out = await run(
      join(ROOT, 'node_modules/.bin/tsc'),
      ['-p', 'tsconfig.build.json', '--outDir', build],
      { cwd: ROOT },
    )
    log = out.stdout + out.stderr
  } catch (error) {
    // Type errors still emit JavaScript; only a build with no output is fatal here.
    const failed = error as { stdout?: string; stderr?: string }
    log = `${failed.stdout ?? ''}${failed.stderr ?? ''}`
  }
  assert.ok(existsSync(join(build, 'index.js')), `the build produced dist/index.js:\n${log}`)
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
  }
  const copies: Copy[] = []
  for (const name of ['a', 'b']) {
    const consumer = join(tmp, name)
    const dir = join(consumer, 'node_modules', 'switchyard')
    await mkdir(dir, { recursive: true })
    await cp(build, join(dir, 'dist'), { recursive: true })
    await cp(join(ROOT, 'package.json'), join(dir, 'package.json'))
    for (const dep of Object.keys(manifest.dependencies)) {
      const link = join(consumer, 'node_modules', dep)
      await mkdir(dirname(link), { recursive: true })
      await symlink(join(ROOT, 'node_modules', dep), link, 'dir')
    }
    await writeFile(
      join(consumer, 'package.json'),
      JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }),
    )
    // Through the package name, so the exports map ('.' and './node') is what resolves.
    await writeFile(
      join(consumer, 'consumer.mjs'),
      "export * as root from 'switchyard'\nexport * as node from 'switchyard/node'\n",
    )
    const loaded = (await import(pathToFileURL(join(consumer, 'consumer.mjs')).href)) as {
      root: typeof RootEntry
      node: typeof NodeEntry
    }
    copies.push({ name, dir, root: loaded.root, node: loaded.node, bin: join(dir, 'dist/bin.js') })
  }
  ;[A, B] = copies as [Copy, Copy]
})

after(async () => {
  if (tmp !== '') await rm(tmp, { recursive: true, force: true })
})

describe('two installed copies', () => {
  it('are really two copies: separate files, separate module instances', async () => {
    assert.notEqual(await realpath(A.dir), await realpath(B.dir))
    assert.notEqual(A.root.mount, B.root.mount)
    assert.notEqual(A.node.toNodeListener, B.node.toNodeListener)
  })

  it("copy B's mount accepts copy A's dispatchers and leaves when it is built", () => {
    const a = A.root
    for (const app of [
      a.mount(null, {}),
      a.subdomains('example.com', () => null),
      a.notFound(),
      a.node((_req: unknown, _res: unknown) => {}),
      a.fetchApp(() => new Response('x')),
    ]) {
      assert.doesNotThrow(() => B.root.mount(null, { '/x': app as RootEntry.App }))
    }
  })
})

for (const entry of ENTRIES) {
  describe(`a tree of copy A inside a tree of copy B, through ${entry.name}`, () => {
    let tree: Tree
    let running: Running

    before(async () => {
      tree = buildTree()
      running = await entry.start(tree.outer)
    })
    after(async () => {
      await running?.close()
      await tree?.outer.close()
    })

    it('a Node leaf of A: the rest, the accumulated base, and mountInfo from both copies', async () => {
      const reply = await get(running.url, '/outer/node/x?q=1')
      assert.equal(reply.status, 200, reply.body)
      const info = {
        basePath: '/outer/node',
        path: '/x',
        originalUrl: '/outer/node/x?q=1',
        params: {},
        key: null,
      }
      assert.deepEqual(JSON.parse(reply.body), {
        via: 'node',
        url: '/x?q=1',
        originalUrl: '/outer/node/x?q=1',
        baseUrl: '/outer/node',
        forwardedPrefix: '/outer/node',
        infoA: info,
        infoB: info,
      })
    })

    it('a Fetch leaf of A: its Request is rewritten to the rest, mountInfo from both copies', async () => {
      const reply = await get(running.url, '/outer/fetch/y?q=2')
      assert.equal(reply.status, 200, reply.body)
      const info = {
        basePath: '/outer/fetch',
        path: '/y',
        originalUrl: '/outer/fetch/y?q=2',
        params: {},
        key: null,
      }
      assert.deepEqual(JSON.parse(reply.body), {
        via: 'fetch',
        target: '/y?q=2',
        forwardedPrefix: '/outer/fetch',
        infoA: info,
        infoB: info,
      })
    })

    it("A's status errors keep their status through B's funnel: 400 and 503, not 500", async () => {
      const ambiguous = await get(running.url, '/outer/users/al%2Fice/x')
      assert.equal(ambiguous.status, 400, ambiguous.body)
      assert.match(ambiguous.body, /Ambiguous request path/)
      const failing = await get(running.url, '/outer/failing/')
      assert.equal(failing.status, 503, failing.body)
    })

    it('nesting inside A goes on accumulating the base path', async () => {
      const reply = await get(running.url, '/outer/deeper/leaf/z')
      assert.equal(reply.status, 200, reply.body)
      const body = JSON.parse(reply.body)
      assert.equal(body.url, '/z')
      assert.equal(body.baseUrl, '/outer/deeper/leaf')
      assert.equal(body.forwardedPrefix, '/outer/deeper/leaf')
      assert.equal(body.infoA?.basePath, '/outer/deeper/leaf')
      assert.equal(body.infoB?.basePath, '/outer/deeper/leaf')
    })

    it("host captures of B's hosts() reach A's leaf as mountInfo params", async () => {
      const reply = await get(running.url, '/node/p', { headers: { host: 'red.teams.test' } })
      assert.equal(reply.status, 200, reply.body)
      const body = JSON.parse(reply.body)
      assert.equal(body.url, '/p')
      assert.deepEqual(body.infoA?.params, { team: 'red' })
      assert.deepEqual(body.infoB?.params, { team: 'red' })
      assert.equal(body.infoA?.basePath, '/node')
    })

    it("A's subdomains under B's mount: one instance per tenant, key in mountInfo, null → 404", async () => {
      const reply = await get(running.url, '/tenants/t/1', {
        headers: { host: 'acme.example.com' },
      })
      assert.equal(reply.status, 200, reply.body)
      const body = JSON.parse(reply.body)
      assert.equal(body.tenant, 'acme')
      assert.equal(body.url, '/t/1')
      assert.equal(body.infoA?.key, 'acme')
      assert.equal(body.infoB?.key, 'acme')
      assert.equal(body.infoA?.basePath, '/tenants')
      const stranger = await get(running.url, '/tenants/t/1', {
        headers: { host: 'nobody.example.com' },
      })
      assert.equal(stranger.status, 404)
      assert.equal(stranger.body, 'Not Found\n')
    })

    it("A's lazy() two levels down: keyed by a header", async () => {
      const reply = await get(running.url, '/outer/teams/w', { headers: { 'x-team': 'blue' } })
      assert.equal(reply.status, 200, reply.body)
      const body = JSON.parse(reply.body)
      assert.equal(body.tenant, 'team blue')
      assert.equal(body.infoA?.key, 'blue')
      assert.equal(body.infoB?.basePath, '/outer/teams')
    })

    it("A's notFound(), as a mount and as a default: 404 plain text", async () => {
      for (const path of ['/gone', '/gone/x', '/outer', '/outer/nothing']) {
        const reply = await get(running.url, path)
        assert.equal(reply.status, 404, path)
        assert.equal(reply.body, 'Not Found\n', path)
        assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8', path)
      }
    })

    it('a leaf of B inside a dispatcher of A inside B', async () => {
      const reply = await get(running.url, '/outer/b-leaf/anything')
      assert.equal(reply.status, 200, reply.body)
      assert.equal(reply.body, 'a leaf of copy B\n')
    })
  })
}

describe("a dispatcher of copy A as the root of copy B's entries", () => {
  it("B's toNodeListener and B's serve() dispatch A's tree", async () => {
    const tree = buildTree()
    const running = await listen(createServer(B.node.toNodeListener(tree.inner)))
    const served = await B.node.serve(tree.inner, { port: 0, host: '127.0.0.1' })
    try {
      for (const base of [running.url, served.url]) {
        const reply = await get(base, '/node/x')
        assert.equal(reply.status, 200, reply.body)
        const body = JSON.parse(reply.body)
        assert.equal(body.url, '/x')
        assert.equal(body.infoB?.basePath, '/node')
        assert.equal(body.infoA?.basePath, '/node')
      }
    } finally {
      await running.close()
      await served.close()
      await tree.outer.close()
    }
  })
})

interface Route {
  kind: string
  label: string
  children?: Array<{ match: string; node: Route }>
}

function findChild(node: Route, match: string): Route | undefined {
  for (const child of node.children ?? []) {
    if (child.match === match) return child.node
    const found = findChild(child.node, match)
    if (found !== undefined) return found
  }
  return undefined
}

describe("copy B's routes tree shows copy A's subtree", () => {
  it("routes(): A's mount and subdomains appear as A describes them", () => {
    const tree = buildTree()
    const routes = tree.outer.routes() as Route
    const outer = findChild(routes, '/outer')
    assert.ok(outer, 'the /outer mount is listed')
    assert.equal(outer.kind, 'mount', JSON.stringify(outer))
    assert.deepEqual(outer, tree.inner.routes(), "A's subtree, as A's own routes() gives it")
    for (const match of ['/node', '/fetch', '/deeper', '/teams', '/b-leaf']) {
      assert.ok(
        outer.children?.some((child) => child.match === match),
        `${match} is listed under /outer`,
      )
    }
    const tenants = findChild(routes, '/tenants')
    assert.ok(tenants, 'the /tenants mount is listed')
    assert.deepEqual(tenants, tree.tenants.routes())
    assert.ok((tenants.children ?? []).length > 0, "A's subdomains show their branches")
  })

  it('`switchyard routes` of copy B (and of copy A) prints the whole tree of an entry importing both', async () => {
    const entry = join(tmp, 'entry.mjs')
    await writeFile(
      entry,
      [
        "import { root as A } from './a/consumer.mjs'",
        "import { root as B } from './b/consumer.mjs'",
        'const inner = A.mount(A.notFound(), {',
        "  '/node': A.node(function nodeLeaf(req, res) { res.end('n') }),",
        "  '/fetch': A.fetchApp(function fetchLeaf() { return new Response('f') }),",
        "  '/tenants': A.subdomains('example.com', () => null),",
        '})',
        "export default B.mount(B.notFound(), { '/outer': inner, '/gone': A.notFound() })",
        '',
      ].join('\n'),
    )
    const outputs: string[] = []
    for (const copy of [B, A]) {
      const { stdout } = await run(process.execPath, [copy.bin, 'routes', entry], {
        cwd: tmp,
        env: { ...process.env, NO_COLOR: '1' },
      })
      outputs.push(stdout)
    }
    const [fromB, fromA] = outputs as [string, string]
    const lines = fromB.trimEnd().split('\n')
    const at = (match: string) => lines.findIndex((line) => line.includes(`─ ${match}  →`))
    const outerLine = at('/outer')
    assert.ok(outerLine >= 0, fromB)
    assert.match(lines[outerLine] as string, /─ \/outer {2}→ {2}mount$/, fromB)
    for (const match of ['/node', '/fetch', '/tenants']) {
      const line = at(match)
      assert.ok(line > outerLine, `${match} is listed below /outer:\n${fromB}`)
      assert.match(lines[line] as string, /^[│ ]{3}[├└]─ /, `${match} is a child of /outer`)
    }
    assert.match(fromB, /nodeLeaf\(\)/)
    assert.match(fromB, /fetchLeaf\(\)/)
    assert.match(fromB, /subdomains/)
    assert.equal(fromA, fromB, 'both copies print the same tree')
  })
})

describe("close() on copy B's root disposes copy A's instances", () => {
  it('every lazily created instance below, at any depth, is disposed exactly once', async () => {
    const tree = buildTree()
    const running = await listen(createServer(B.node.toNodeListener(tree.outer)))
    try {
      const acme = await get(running.url, '/tenants/', { headers: { host: 'acme.example.com' } })
      assert.equal(acme.status, 200, acme.body)
      const team = await get(running.url, '/outer/teams/', { headers: { 'x-team': 'blue' } })
      assert.equal(team.status, 200, team.body)
      // And one through B's fetch, called directly.
      const globex = await tree.outer.fetch(new Request('http://globex.example.com/tenants/'))
      assert.equal(globex.status, 200, await globex.text())
    } finally {
      await running.close()
    }
    assert.deepEqual(tree.disposed, [], 'nothing is disposed before close()')
    await tree.outer.close()
    assert.deepEqual(
      [...tree.disposed].sort(),
      ['team:blue', 'tenant:acme', 'tenant:globex'],
      'each instance disposed once',
    )
  })
})

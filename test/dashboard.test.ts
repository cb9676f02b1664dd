// The dashboard handler on real servers: its JSON, a hostile tenant key kept inert, POSTs
// from other sites refused, read-only answers 405, invalidation; workers asked over real
// IPC, one of them hung; `switchyard routes --url` against dev and a base-/ dashboard.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { logRequest } from '../src/dev/access-log.ts'
import { lazy, mount, notFound } from '../src/index.ts'
import { type DashboardSource, dashboardHandler } from '../src/metrics/dashboard.ts'
import { localDashboardSource, workersDashboardSource } from '../src/metrics/dashboard-source.ts'
import type { DashboardNode, DashboardState } from '../src/metrics/dashboard-state.ts'
import { RecentRequests } from '../src/metrics/recent.ts'
import { toNodeListener } from '../src/node.ts'
import { type Cli, startCli, TSX } from './support/cli.ts'
import { type Reply, send } from './support/http.ts'

const HOSTILE = '<img src=x onerror=alert(1)>'
const BASE = '/__switchyard/'

const tenants = lazy(
  (r) => r.header('x-tenant') ?? null,
  (key) => (_req: unknown, res: { end(text: string): void }) => res.end(`hello ${key}`),
)
const app = mount(notFound(), { '/t': tenants })

async function listenOn(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

function serveDashboard(source: DashboardSource, base = BASE): Promise<number> {
  const server = createServer(dashboardHandler(source, { base, timeout: 1500 }))
  servers.push(server)
  return listenOn(server)
}

const servers: Server[] = []
const state = async (port: number, base = BASE): Promise<DashboardState> =>
  JSON.parse((await send(port, `${base}api/state`)).body)
const lazyNode = (s: DashboardState): DashboardNode =>
  s.tree?.children?.find((c) => c.match === '/t')?.node as DashboardNode
const post = (port: number, body: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
  send(port, `${BASE}api/invalidate`, {
    method: 'POST',
    host: `127.0.0.1:${port}`,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })

after(() => {
  for (const server of servers) {
    server.close()
    server.closeAllConnections()
  }
})

describe('dashboard handler', () => {
  let appPort: number
  let port: number
  const recent = new RecentRequests(50)
  const tenant = (key: string) => send(appPort, '/t/', { headers: { 'x-tenant': key } })
  before(async () => {
    const listener = toNodeListener(app)
    const appServer = createServer((req, res) => {
      logRequest(req, res, { recent, write: () => {} })
      listener(req, res)
    })
    servers.push(appServer)
    appPort = await listenOn(appServer)
    port = await serveDashboard(localDashboardSource(app, recent))
    assert.equal((await tenant('acme')).body, 'hello acme')
    assert.equal((await tenant(HOSTILE)).body, `hello ${HOSTILE}`)
  })

  it('answers the tree, the instances and the latest requests as JSON, "<" escaped', async () => {
    const reply = await send(port, `${BASE}api/state`)
    assert.equal(reply.status, 200)
    assert.match(String(reply.headers['content-type']), /^application\/json/)
    assert.equal(reply.headers['x-content-type-options'], 'nosniff')
    assert.ok(!reply.body.includes('<'), 'no raw "<" in the JSON')
    const s: DashboardState = JSON.parse(reply.body)
    assert.equal(s.dashboard, 'switchyard')
    assert.equal(s.readOnly, false)
    assert.deepEqual(s.processes, [{ pid: process.pid, time: s.processes[0]?.time }])
    assert.equal(s.tree?.kind, 'mount')
    assert.equal(s.tree?.requests?.['2xx'], 2)
    const node = lazyNode(s)
    assert.equal(node.kind, 'lazy')
    assert.equal(node.targets?.length, 1)
    assert.equal(node.lazy?.live, 2)
    assert.equal(node.lazy?.creations, 2)
    assert.deepEqual(node.lazy?.instances.map((i) => i.key).sort(), ['acme', HOSTILE].sort())
    assert.ok(node.lazy?.instances.every((i) => i.pid === process.pid && i.requests === 1))
    assert.deepEqual(
      s.requests.map((r) => [r.method, r.url, r.status, r.app, r.key]),
      [
        ['GET', '/t/', 200, '/t', 'acme'],
        ['GET', '/t/', 200, '/t', HOSTILE],
      ],
    )
  })

  it('serves one static page under 25 KB that runs only its own script', async () => {
    const page = await send(port, BASE)
    assert.equal(page.status, 200)
    assert.match(String(page.headers['content-type']), /^text\/html/)
    assert.ok(page.body.length < 25_000, `${page.body.length} bytes`)
    const csp = String(page.headers['content-security-policy'])
    assert.match(csp, /default-src 'none'; script-src 'sha256-[^']+';/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.doesNotMatch(csp, /unsafe/)
    assert.ok(!page.body.includes('acme'), 'the page holds no data, only the script that reads it')
    const redirect = await send(port, BASE.slice(0, -1))
    assert.equal(redirect.status, 308)
    assert.equal(redirect.headers.location, BASE)
    assert.equal((await send(port, `${BASE}nope`)).status, 404)
    assert.equal((await send(port, `${BASE}api/state`, { method: 'DELETE' })).status, 405)
  })

  it('refuses mutations from other sites, and wrong content types', async () => {
    const key = 'acme'
    const id = lazyNode(await state(port)).targets?.[0]?.id as number
    const body = { pid: process.pid, id, key }
    const evil = await post(port, body, { origin: 'http://evil.example' })
    assert.equal(evil.status, 403)
    assert.match(evil.body, /cross-site request refused/)
    assert.equal((await post(port, body, { origin: 'null' })).status, 403)
    assert.equal((await post(port, body, { 'sec-fetch-site': 'cross-site' })).status, 403)
    // What an HTML form can send: a simple request, no preflight.
    assert.equal((await post(port, body, { 'content-type': 'text/plain' })).status, 415)
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    assert.equal((await post(port, body, form)).status, 415)
    assert.equal((await post(port, { pid: 'x', id })).status, 400)
    assert.equal((await send(port, `${BASE}api/invalidate`)).status, 405)
    assert.equal(lazyNode(await state(port)).lazy?.evictions.invalidate, 0)
  })

  it('invalidates one instance from its own origin: the next request creates a new one', async () => {
    const id = lazyNode(await state(port)).targets?.[0]?.id as number
    const origin = `http://127.0.0.1:${port}`
    const one = await post(port, { pid: process.pid, id, key: HOSTILE }, { origin })
    assert.equal(one.status, 200, one.body)
    assert.deepEqual(JSON.parse(one.body), { invalidated: 1 })
    let node = lazyNode(await state(port))
    assert.equal(node.lazy?.evictions.invalidate, 1)
    assert.deepEqual(
      node.lazy?.instances.map((i) => i.key),
      ['acme'],
    )
    await tenant(HOSTILE)
    node = lazyNode(await state(port))
    assert.equal(node.lazy?.creations, 3)
    const all = await post(port, { pid: process.pid, id })
    assert.deepEqual(JSON.parse(all.body), { invalidated: 2 })
    const stale = await post(port, { pid: process.pid + 1, id })
    assert.equal(stale.status, 502)
  })

  it('read-only: no invalidation, POST answers 405', async () => {
    const readOnly = await serveDashboard(localDashboardSource(app, recent, { readOnly: true }))
    assert.equal((await state(readOnly)).readOnly, true)
    const refused = await post(readOnly, { pid: process.pid, id: 1 })
    assert.equal(refused.status, 405)
    assert.equal(refused.headers.allow, 'GET, HEAD')
  })
})

const SRC = new URL('../src/', import.meta.url).href
// A serving process as a cluster worker is one: an app, answering over its IPC channel.
const WORKER = `
import { answerMetricsRequests } from '${SRC}metrics/channel.ts'
import { lazy } from '${SRC}index.ts'
const app = lazy((r) => r.header('x-tenant') ?? null, (key) => () => new Response(key))
await app.fetch(new Request('http://localhost/', { headers: { 'x-tenant': 'w' + process.pid } }))
answerMetricsRequests(() => app, process)
process.send('ready')
`

function startChild(code: string, loader: string[]) {
  const child = spawn(process.execPath, [...loader, '--input-type=module', '-e', code], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ready = new Promise((resolve) => child.once('message', resolve))
  return { child, ready }
}

describe('dashboard over IPC', () => {
  const children: ReturnType<typeof startChild>[] = []
  after(() => {
    for (const { child } of children) child.kill()
  })

  it('merges the workers that answer and shows the one that does not, without hanging', async () => {
    children.push(startChild(WORKER, ['--import', TSX]), startChild(WORKER, ['--import', TSX]))
    const hung = startChild("process.send('ready'); setInterval(() => {}, 10_000)", [])
    children.push(hung)
    await Promise.all(children.map((c) => c.ready))
    const workers = () => children.map(({ child }) => ({ pid: child.pid, port: child }))
    const port = await serveDashboard(workersDashboardSource(workers, { timeout: 400 }))
    const started = Date.now()
    const s = await state(port)
    assert.ok(Date.now() - started < 1400, `answered in ${Date.now() - started} ms`)
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.error]),
      children.map(({ child }) => [
        child.pid,
        child === hung.child ? 'no metrics reply in 400 ms' : undefined,
      ]),
    )
    const lazyTree = s.tree as DashboardNode
    assert.equal(lazyTree.lazy?.live, 2)
    assert.deepEqual(
      lazyTree.lazy?.instances.map((i) => [i.pid, i.key]),
      children.slice(0, 2).map(({ child }) => [child.pid, `w${child.pid}`]),
    )
    const keys = children.slice(0, 2).map(({ child }) => `w${child.pid}`)
    assert.equal(lazyTree.children?.[0]?.node.label, `create(key), live: ${keys.join(', ')}`)
    const target = lazyTree.targets?.[1] as { pid: number; id: number }
    const reply = await post(port, { ...target, key: `w${target.pid}` })
    assert.deepEqual(JSON.parse(reply.body), { invalidated: 1 })
    assert.deepEqual(
      ((await state(port)).tree as DashboardNode).lazy?.instances.map((i) => i.pid),
      [children[0]?.child.pid],
    )
  })
})

describe('switchyard routes --url', () => {
  let dev: Cli
  let devPort: number
  before(async () => {
    dev = startCli(
      ['dev', 'examples/demo/app.ts', '--port', '0', '--host', '127.0.0.1', '--no-spare'],
      process.cwd(),
    )
    devPort = Number((await dev.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
  })
  after(() => dev?.stop())

  it('prints the tree of switchyard dev with its counts and live instances', async () => {
    const banner = dev.output().split('\n')[0] as string
    assert.ok(banner.includes(`dashboard http://127.0.0.1:${devPort}/__switchyard/`), banner)
    assert.equal((await send(devPort, '/', { host: 'acme.localhost' })).status, 200)
    assert.equal((await send(devPort, '/', { host: 'globex.localhost' })).status, 200)
    const routes = startCli(['routes', '--url', `http://127.0.0.1:${devPort}/__switchyard/`], '.')
    assert.equal(await routes.exit, 0, routes.output())
    const lines = routes.output().split('\n')
    assert.equal(lines[0], 'subdomains of localhost [subdomains]  ·  2xx 2')
    assert.match(lines[1] as string, /^│ {2}2 live of 100, 0 hits, 2 misses, 2 created/)
    assert.match(
      routes.output(),
      /│ {4}globex {2}age \S+ m?s {2}idle \S+ m?s {2}in flight 0 {2}requests 1/,
    )
    assert.match(routes.output(), /│ {4}acme {4}age/)
    assert.match(
      routes.output(),
      /└─ localhost \(apex\), \(hosts outside localhost\) {2}→ {2}mount {2}· {2}no requests/,
    )
  })

  it('dev: every spelling of /__switchyard/ is the dashboard, after the Host check', async () => {
    const lines = () => dev.output().split('\n').length
    const before = lines()
    const missing = await send(devPort, '/__switchyard/nope')
    assert.equal(missing.status, 404)
    assert.match(String(missing.headers['content-type']), /json/)
    const encoded = await send(devPort, '/%5F_switchyard/api/state')
    assert.equal(JSON.parse(encoded.body).dashboard, 'switchyard')
    assert.equal(
      (await send(devPort, '/__switchyard/api/state', { host: 'evil.example' })).status,
      403,
    )
    assert.equal((await send(devPort, '/__switchyardx')).status, 404)
    await dev.waitFor(/GET \/__switchyardx/)
    // The app's access log (the worker's) saw only the request outside the prefix.
    const logged = dev
      .output()
      .split('\n')
      .slice(before - 1)
      .join('\n')
    assert.doesNotMatch(logged, /GET \/(__|%5F_)switchyard\//)
  })

  it('reads a dashboard served at / (serve --metrics), and says what is wrong otherwise', async () => {
    const root = await serveDashboard(localDashboardSource(app, undefined, { readOnly: true }), '/')
    const closed = createServer()
    const unused = await listenOn(closed)
    await new Promise((resolve) => closed.close(resolve))
    const [ok, unreachable, notDashboard, badUrl] = [
      `http://127.0.0.1:${root}/`,
      `http://127.0.0.1:${unused}/__switchyard/`,
      `http://127.0.0.1:${devPort}/`,
      'ftp://example.com/',
    ].map((url) => startCli(['routes', '--url', url], '.'))
    assert.equal(await ok?.exit, 0, ok?.output())
    assert.match(ok?.output() ?? '', /^mount {2}· {2}2xx \d+/)
    assert.match(ok?.output() ?? '', /├─ \/t {2}→ {2}lazy {2}· {2}2xx \d+/)
    assert.equal(await unreachable?.exit, 1)
    assert.match(
      unreachable?.output() ?? '',
      /could not reach http:\/\/127\.0\.0\.1:\d+\/__switchyard\/api\/state: ECONNREFUSED/,
    )
    assert.equal(await notDashboard?.exit, 1)
    assert.match(
      notDashboard?.output() ?? '',
      /\/api\/state is not a switchyard dashboard \(HTTP 404/,
    )
    assert.equal(await badUrl?.exit, 2)
  })
})

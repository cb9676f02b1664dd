// Prometheus metrics: collectMetrics() in a prom-client registry, and `switchyard serve
// --metrics` in process and summed over two workers, after a known request mix.
import assert from 'node:assert/strict'
import { Agent, request } from 'node:http'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Registry } from 'prom-client'
import { lazy, mount } from '../src/index.ts'
import type { DashboardState } from '../src/metrics/dashboard-state.ts'
import { collectMetrics, readMetrics } from '../src/metrics.ts'
import { get, killChildren, startCli, until } from './fixtures/serve-cli.ts'
import { parsePrometheus, type Sample, sampleValue } from './support/prometheus.ts'

const APP = fileURLToPath(new URL('fixtures/metrics-app.ts', import.meta.url))
after(killChildren)

/** GET on `agent` with these headers; resolves to the body. */
function send(base: string, path: string, agent: Agent, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${base}${path}`, { agent, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * The mix, each dispatcher's requests on one kept-alive connection (so on one worker):
 * /a (max 2): t1 t2 t1 t3 t4 → 4 creations, 1 hit, 2 LRU evictions; `none` → 404 (a
 * remembered miss), `boom` → the factory throws, 503. /b: u1 u2 u3 → 3 creations, 1
 * eviction. Then /nowhere 404, a malformed Host 400, /fail 500 (last: they may close).
 */
async function requestMix(base: string): Promise<string> {
  const a = new Agent({ keepAlive: true, maxSockets: 1 })
  const b = new Agent({ keepAlive: true, maxSockets: 1 })
  const pids = { a: new Set<string>(), b: new Set<string>() }
  for (const t of ['t1', 't2', 't1', 't3', 't4']) {
    const reply = await send(base, '/a/?token=secret', a, { 'x-tenant': t })
    assert.equal(reply.status, 200)
    pids.a.add(reply.body.split(' ')[1] as string)
  }
  for (const u of ['u1', 'u2', 'u3']) {
    pids.b.add((await send(base, '/b/', b, { 'x-tenant': u })).body.split(' ')[1] as string)
  }
  assert.equal((await send(base, '/a/', a, { 'x-tenant': 'none' })).status, 404)
  assert.equal((await send(base, '/a/', a, { 'x-tenant': 'boom' })).status, 503)
  assert.equal(pids.a.size, 1, 'one kept-alive connection, one worker')
  assert.equal(pids.b.size, 1)
  assert.equal((await send(base, '/nowhere', a)).status, 404)
  assert.equal((await send(base, '/', a, { host: 'bad host' })).status, 400)
  assert.equal((await send(base, '/fail', a)).status, 500)
  a.destroy()
  b.destroy()
  return [...pids.a][0] as string
}

function assertMixCounts(samples: Sample[]): void {
  const requests = (route: string, c: string) =>
    sampleValue(samples, 'switchyard_requests_total', { route, class: c })
  assert.deepEqual(
    ['2xx', '4xx', '5xx'].map((c) => requests('root', c)),
    [8, 3, 2],
    'root: 2xx, 4xx, 5xx',
  )
  assert.deepEqual(
    ['2xx', '4xx', '5xx'].map((c) => requests('root > /a', c)),
    [5, 1, 1],
  )
  assert.equal(requests('root > /b', '2xx'), 3)
  const a = { route: 'root > /a' }
  const b = { route: 'root > /b' }
  assert.equal(sampleValue(samples, 'switchyard_cache_hits_total', a), 1)
  assert.equal(sampleValue(samples, 'switchyard_cache_misses_total', a), 6)
  assert.equal(sampleValue(samples, 'switchyard_instances_created_total', a), 4)
  assert.equal(sampleValue(samples, 'switchyard_instances_created_total', b), 3)
  assert.equal(sampleValue(samples, 'switchyard_factory_errors_total', a), 1)
  assert.equal(
    sampleValue(samples, 'switchyard_instances_evicted_total', { ...a, reason: 'lru' }),
    2,
  )
  assert.equal(
    sampleValue(samples, 'switchyard_instances_evicted_total', { ...b, reason: 'lru' }),
    1,
  )
  assert.equal(sampleValue(samples, 'switchyard_instances', { ...a, state: 'live' }), 2)
  assert.equal(sampleValue(samples, 'switchyard_instances', { ...b, state: 'live' }), 2)
  assert.equal(sampleValue(samples, 'switchyard_negative_entries', a), 1)
  const count = sampleValue(samples, 'switchyard_instance_creation_seconds_count', a)
  const inf = sampleValue(samples, 'switchyard_instance_creation_seconds_bucket', {
    ...a,
    le: '+Inf',
  })
  assert.deepEqual([count, inf], [4, 4])
  for (const s of samples) {
    assert.ok(!Object.values(s.labels).some((v) => /t1|u1|none|boom/.test(v)), 'no key as a label')
  }
}

/** The read-only dashboard at / of the metrics listener: every worker's instances. */
async function assertDashboard(base: string, workers: number): Promise<void> {
  const page = await get(base)
  assert.equal(page.status, 200)
  assert.match(page.body, /<html/i)
  const state = JSON.parse((await get(`${base}api/state`)).body) as DashboardState
  assert.equal(state.readOnly, true)
  assert.equal(state.processes.length, workers)
  assert.ok(state.processes.every((p) => p.error === undefined))
  const at = (match: string) => state.tree?.children?.find((c) => c.match === match)?.node
  const keys = (match: string) => (at(match)?.lazy?.instances ?? []).map((i) => i.key).sort()
  assert.deepEqual(keys('/a'), ['t3', 't4'])
  assert.deepEqual(keys('/b'), ['u2', 'u3'])
  assert.ok(
    state.requests.some((r) => r.key === 't4' && r.status === 200 && r.host === '127.0.0.1'),
    'the access log, with the host each request was routed on',
  )
  const post = await new Promise<number>((resolve, reject) => {
    const req = request(`${base}api/invalidate`, { method: 'POST' }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end('{}')
  })
  assert.equal(post, 405, 'read-only: no invalidation from the metrics listener')
  // DNS rebinding: a name that is not local is refused; addresses cannot be rebound.
  const agent = new Agent()
  for (const path of ['', 'api/state', 'metrics']) {
    const foreign = await send(base, path, agent, { host: 'rebound.example:80' })
    assert.equal(foreign.status, 403, `/${path} for a foreign Host`)
  }
  assert.equal((await send(base, 'metrics', agent, { host: 'localhost' })).status, 200)
  agent.destroy()
  assert.ok(
    state.requests.every((r) => !r.url.includes('secret')),
    'query strings are not shown',
  )
}

async function scrape(metricsUrl: string): Promise<Sample[]> {
  const reply = await get(metricsUrl)
  assert.equal(reply.status, 200)
  assert.match(String(reply.res.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  return parsePrometheus(reply.body)
}

for (const workers of ['1', '2']) {
  describe(`switchyard serve --workers ${workers} --metrics`, () => {
    it('counts a known request mix exactly, on its own listener', async () => {
      const cli = await startCli([APP, '--workers', workers, '--metrics', '0'])
      const metrics = await until(
        () => /metrics on (\S+)/.exec(cli.out.stdout)?.[1],
        10_000,
        cli.out,
      )
      assert.notEqual(new URL(metrics).port, new URL(cli.url).port)
      assert.equal(new URL(metrics).hostname, '127.0.0.1')
      const pid = await requestMix(cli.url)
      assertMixCounts(await scrape(metrics))
      // The public port serves no metrics.
      assert.equal((await get(`${cli.url}/metrics`)).status, 404)
      await assertDashboard(metrics.replace(/metrics$/, ''), Number(workers))
      if (workers === '2') {
        // A worker killed and replaced: its counts stay in the sum (counters never go back).
        process.kill(Number(pid), 'SIGKILL')
        await until(() => (/replacing it/.test(cli.out.stderr) ? true : undefined), 5000, cli.out)
        const after = await scrape(metrics)
        const total = (c: string) =>
          sampleValue(after, 'switchyard_requests_total', { route: 'root', class: c })
        // 4xx: the mix's 3, and the public port's 404 for /metrics.
        assert.deepEqual([total('2xx'), total('4xx'), total('5xx')], [8, 4, 2])
        const a = { route: 'root > /a' }
        assert.equal(sampleValue(after, 'switchyard_instances_created_total', a), 4)
      }
      cli.child.kill('SIGTERM')
      assert.equal(await cli.exit, 0)
    })
  })
}

describe('collectMetrics()', () => {
  it("registers switchyard's families in a prom-client Registry, read at scrape time", async () => {
    const tenants = lazy(
      (r) => r.header('x-tenant') ?? null,
      (key) => (_request: Request) => new Response(key),
    )
    const app = mount(null, { '/t': tenants })
    const registry = new Registry()
    collectMetrics(app, registry)
    const before = parsePrometheus(await registry.metrics())
    assert.equal(
      sampleValue(before, 'switchyard_instances_created_total', { route: 'root > /t' }),
      0,
    )
    await app
      .fetch(new Request('http://x.test/t/', { headers: { 'x-tenant': 'k' } }))
      .then((r) => r.text())
    await app
      .fetch(new Request('http://x.test/t/', { headers: { 'x-tenant': 'k' } }))
      .then((r) => r.text())
    const samples = parsePrometheus(await registry.metrics())
    assert.equal(
      sampleValue(samples, 'switchyard_instances_created_total', { route: 'root > /t' }),
      1,
    )
    assert.equal(sampleValue(samples, 'switchyard_cache_hits_total', { route: 'root > /t' }), 1)
    assert.equal(
      sampleValue(samples, 'switchyard_requests_total', { route: 'root', class: '2xx' }),
      2,
    )
    assert.equal(readMetrics(app).tree.children?.[0]?.node.lazy?.instances[0]?.key, 'k')
    await app.close()
  })
})

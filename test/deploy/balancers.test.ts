// The configurations in deploy/, as shipped, in front of three real `switchyard serve`
// backends (each --workers 2 --affinity host --trust-proxy), through real nginx and HAProxy
// on loopback ports: tenant affinity, a backend killed and one rolled under load, spoofed
// X-Forwarded-Host, WebSockets. `npm run test:deploy`; needs nginx and haproxy
// (scripts/install-balancers.sh): without them it skips, except under CI, where it fails.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { WebSocket } from 'ws'
import { creations, getHost, tenantHosts } from './http.ts'
import { only, requestLoop, survey } from './load.ts'
import {
  type Balancer,
  findBinary,
  killAll,
  type Proc,
  startBackend,
  startBalancer,
  waitFor,
} from './processes.ts'

const IN_CI = !['', '0', 'false'].includes(process.env.CI ?? '')
const TENANTS = tenantHosts(200)
after(killAll)

for (const kind of ['nginx', 'haproxy'] as const) {
  const missing = findBinary(kind) === undefined
  if (missing && IN_CI)
    throw new Error(`${kind} is not installed: bash scripts/install-balancers.sh`)
  const skip = missing ? `${kind} not installed (bash scripts/install-balancers.sh)` : false
  describe(`deploy/ with ${kind}`, { skip, timeout: 180_000 }, () => balancerSuite(kind))
}

function balancerSuite(kind: Balancer): void {
  let dir: string
  let backends: Proc[]
  let balancer: Proc
  let home: Map<string, string>

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), `switchyard-${kind}-`))
    backends = await Promise.all([startBackend(), startBackend(), startBackend()])
    balancer = await startBalancer(
      kind,
      dir,
      backends.map((b) => b.port),
    )
  })
  after(() => {
    balancer?.killGroup()
    for (const backend of backends ?? []) backend.killGroup()
    rmSync(dir, { recursive: true, force: true })
  })

  it('200 tenants × 5 requests on fresh connections: each tenant on one backend', async (t) => {
    const start = performance.now()
    const { serve, workers, failures } = await survey(balancer.port, TENANTS, 5)
    const ms = performance.now() - start
    assert.deepEqual(failures, [])
    home = only(serve)
    const share = backends.map((b) => [...home.values()].filter((p) => p === String(b.pid)).length)
    for (const n of share) assert.ok(n > 20, `tenants per backend: ${share}`)
    const multi = [...workers.values()].filter((set) => set.size > 1).length
    const created = backends.map((b) => [...creations(b.output()).values()].flat().length)
    t.diagnostic(
      `${TENANTS.length * 5} requests in ${ms.toFixed(0)} ms; tenants per backend ${share}`,
    )
    t.diagnostic(
      `instances created per backend ${created} (tenants answered by 2 workers: ${multi})`,
    )
  })

  it('an X-Forwarded-Host sent by the client is replaced, never routed on', async () => {
    const headers = { 'x-forwarded-host': 't2.example.test', 'x-forwarded-prefix': '//evil' }
    const reply = await getHost(balancer.port, 't1.example.test', '/', false, headers)
    assert.equal(reply.status, 200)
    assert.equal(reply.key, 't1')
    assert.equal(reply.serve, home.get('t1.example.test'))
  })

  it('a WebSocket reaches its tenant through the balancer and echoes', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${balancer.port}/`, {
      headers: { host: 't7.example.test' },
    })
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    const echoes: string[] = []
    for (const text of ['one', 'two']) {
      ws.send(text)
      const [data] = await new Promise<unknown[]>((resolve) =>
        ws.once('message', (...a) => resolve(a)),
      )
      echoes.push(String(data).split(' ').slice(1).join(' '))
    }
    ws.close()
    assert.deepEqual(echoes, ['t7 one', 't7 two'])
  })

  it('SIGHUP to each backend in turn under load: 0 failures, no tenant moves', async (t) => {
    const load = requestLoop(balancer.port, TENANTS, 8)
    await sleep(300)
    for (const backend of backends) {
      const mark = backend.output().length
      process.kill(backend.pid, 'SIGHUP')
      await waitFor(
        () => (backend.output().includes('rolling restart done', mark) ? true : undefined),
        30_000,
        `the rolling restart of ${backend.pid}`,
      )
    }
    await sleep(300)
    const { ok, failures, slowest } = await load.stop()
    t.diagnostic(
      `SIGHUP × 3 under load: ${ok} GETs, ${failures.length} failed, slowest ${slowest.toFixed(0)} ms`,
    )
    assert.deepEqual(failures, [])
    const after = only((await survey(balancer.port, TENANTS, 1)).serve)
    assert.deepEqual(after, home)
  })

  it('SIGKILL of a backend under load: 0 failed GETs; only its tenants move', async (t) => {
    const load = requestLoop(balancer.port, TENANTS, 8)
    await sleep(500)
    const victim = backends[1] as Proc
    victim.killGroup()
    await sleep(2000)
    const { ok, failures, slowest } = await load.stop()
    t.diagnostic(
      `SIGKILL under load: ${ok} GETs, ${failures.length} failed, slowest ${slowest.toFixed(0)} ms`,
    )
    assert.deepEqual(failures, [])
    const after = only((await survey(balancer.port, TENANTS, 2)).serve)
    let moved = 0
    for (const [host, was] of home) {
      const now = after.get(host)
      if (was === String(victim.pid)) {
        assert.notEqual(now, was)
        moved++
      } else assert.equal(now, was, `${host} moved from a live backend`)
    }
    t.diagnostic(
      `${moved} tenants moved off the killed backend, the other ${home.size - moved} stayed`,
    )
  })
}

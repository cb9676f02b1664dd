// Upstreams and spawned apps in the metrics: readMetrics() (what the dashboards and
// `routes --url` read) and the Prometheus families.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Registry } from 'prom-client'
import { mount, subdomains } from '../src/index.ts'
import { collectMetrics, readMetrics } from '../src/metrics.ts'
import { spawn, upstream } from '../src/node.ts'
import { listen, send } from './support/http.ts'

const APP = fileURLToPath(new URL('fixtures/spawn-app.mjs', import.meta.url))
const quiet = { log: () => {} }

test('the tree shows each upstream (target, pool) and each spawned app (command, pid, uptime, restarts, ready)', async () => {
  const origin = createServer((_req, res) => res.end('up'))
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve))
  const target = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`
  const tenants = subdomains('example.com', (t) =>
    spawn([process.execPath, APP], { ...quiet, env: { TENANT: t } }),
  )
  const app = mount(null, {
    '/up': upstream(target),
    '/child': spawn([process.execPath, APP], quiet),
    '/t': tenants,
  })
  const running = await listen(app)
  try {
    assert.equal((await send(running.port, '/up/')).body, 'up')
    await send(running.port, '/child/')
    await send(running.port, '/t/', { host: 'acme.example.com' })
    const tree = readMetrics(app).tree
    const child = (match: string) => tree.children?.find((c) => c.match === match)?.node
    const up = child('/up')
    assert.equal(up?.upstream?.target, target)
    assert.equal(up?.upstream?.requests, 1)
    assert.ok((up?.upstream?.connected ?? 0) >= 1)
    const spawned = child('/child')
    assert.equal(spawned?.kind, 'spawn')
    assert.deepEqual(spawned?.process?.command, [process.execPath, APP])
    assert.equal(spawned?.process?.ready, true)
    assert.equal(typeof spawned?.process?.pid, 'number')
    assert.equal(spawned?.process?.restarts, 0)
    const instance = child('/t')?.lazy?.instances[0]
    assert.equal(instance?.key, 'acme')
    assert.equal(instance?.process?.ready, true)
    // The routes tree (no counts) names the target and the command.
    const routes = app.routes()
    assert.match(JSON.stringify(routes), new RegExp(`upstream ${target}`))
    assert.match(JSON.stringify(routes), /spawn /)

    const registry = new Registry()
    collectMetrics(app, registry)
    const text = await registry.metrics()
    assert.match(text, /switchyard_upstream_requests_total\{route="root > \/up"\} 1/)
    assert.match(
      text,
      /switchyard_upstream_connections\{route="root > \/up",state="connected"\} [1-9]/,
    )
    assert.match(text, /switchyard_processes\{route="root > \/child",state="ready"\} 1/)
    assert.match(text, /switchyard_processes\{route="root > \/t",state="ready"\} 1/)
    assert.doesNotMatch(text, /acme/, 'no tenant key in a label')
  } finally {
    await running.close()
    await app.close()
    origin.close()
  }
})

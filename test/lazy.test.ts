// lazy(), subdomains(), paths() and hosts() over real HTTP.
import assert from 'node:assert/strict'
import { Agent } from 'node:http'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { hosts, lazy, mountInfo, subdomains } from '../src/index.ts'
import { listen, send, sendRaw } from './support/http.ts'

const quiet = { onError: () => {} }

// A tenant app that names its instance, so a response shows which instance served it.
let serial = 0
const served: string[] = []
function tenantApp(key: string) {
  const id = `${key}#${++serial}`
  return {
    id,
    fetch: async (request: Request) => {
      const delay = Number(new URL(request.url).searchParams.get('delay') ?? 0)
      if (delay) await sleep(delay)
      served.push(id)
      return Response.json({ id, key: mountInfo(request)?.key, params: mountInfo(request)?.params })
    },
  }
}

describe('single flight', () => {
  it('1,000 concurrent first requests for one tenant → exactly one create, one instance', async () => {
    let calls = 0
    const app = subdomains('example.com', async (key) => {
      calls++
      await sleep(100)
      return tenantApp(key)
    })
    const server = await listen(app)
    const agent = new Agent({ keepAlive: true, maxSockets: 1000 })
    try {
      const replies = await Promise.all(
        Array.from({ length: 1000 }, () =>
          send(server.port, '/', { host: 'fresh.example.com', agent }),
        ),
      )
      assert.equal(calls, 1)
      const ids = new Set(replies.map((reply) => (JSON.parse(reply.body) as { id: string }).id))
      assert.equal(ids.size, 1)
      assert.ok(replies.every((reply) => reply.status === 200))
    } finally {
      agent.destroy()
      await server.close()
    }
  })
})

describe('bounded cache', () => {
  it('max: 2 → t1 is evicted and disposed once, after its slow request completes', async () => {
    const events: string[] = []
    const app = subdomains('example.com', (key) => tenantApp(key), {
      max: 2,
      dispose: (instance, key) => {
        events.push(`dispose ${key} ${(instance as unknown as { id: string }).id}`)
      },
    })
    const server = await listen(app)
    after(() => server.close())
    const slow = send(server.port, '/?delay=300', { host: 't1.example.com' })
    await sleep(50)
    await send(server.port, '/', { host: 't2.example.com' })
    await send(server.port, '/', { host: 't3.example.com' })
    // t1 left the cache at once: a new request gets a new instance.
    assert.deepEqual(
      app
        .instances()
        .map((info) => info.key)
        .sort(),
      ['t2', 't3'],
    )
    assert.equal(events.length, 0, 'not disposed while its request is in flight')
    const reply = await slow
    assert.equal(reply.status, 200)
    await sleep(20)
    const t1 = JSON.parse(reply.body).id as string
    assert.ok(served.includes(t1), 't1 served its slow request')
    assert.deepEqual(events, [`dispose t1 ${t1}`])
    const again = JSON.parse((await send(server.port, '/', { host: 't1.example.com' })).body)
    assert.notEqual(again.id, JSON.parse(reply.body).id)
  })

  it('a scan of 10,000 unknown subdomains stays bounded and real tenants keep answering', async () => {
    let calls = 0
    const app = subdomains(
      'example.com',
      (key) => {
        calls++
        return key === 'real' ? tenantApp(key) : null
      },
      { max: 500 },
    )
    const server = await listen(app, quiet)
    after(() => server.close())
    const agent = new Agent({ keepAlive: true, maxSockets: 64 })
    globalThis.gc?.()
    const heapBefore = process.memoryUsage().heapUsed
    const keys = Array.from(
      { length: 10_000 },
      (_, i) => `scan${i}x${Math.random().toString(36).slice(2, 8)}`,
    )
    for (let i = 0; i < keys.length; i += 500) {
      const batch = keys.slice(i, i + 500)
      const replies = await Promise.all(
        batch.map((key) => send(server.port, '/', { host: `${key}.example.com`, agent })),
      )
      assert.ok(replies.every((reply) => reply.status === 404))
      // Asked twice in a row, a key is answered from the negative cache.
      await Promise.all(
        batch
          .slice(-100)
          .map((key) => send(server.port, '/', { host: `${key}.example.com`, agent })),
      )
      const real = await send(server.port, '/', { host: 'real.example.com', agent })
      assert.equal(real.status, 200)
    }
    agent.destroy()
    globalThis.gc?.()
    const growth = process.memoryUsage().heapUsed - heapBefore
    // One factory call per distinct key; the real tenant may be pushed out of the LRU by
    // each batch of 500 misses and is then created again (at most once per batch).
    assert.ok(calls <= keys.length + keys.length / 500, `factory called ${calls} times`)
    assert.ok(app.instances().length <= 500)
    assert.ok(growth < 64 * 1024 * 1024, `heap grew by ${growth} bytes`)
  })
})

describe('failing factories', () => {
  it('throw → 503, not cached, the next request tries again', async () => {
    let calls = 0
    const errors: unknown[] = []
    const app = lazy(
      (r) => r.header('x-tenant') ?? null,
      async (key) => {
        calls++
        if (calls === 1) throw new Error('store down')
        return tenantApp(key)
      },
    )
    app.on('error', (error) => errors.push(error))
    const server = await listen(app, quiet)
    after(() => server.close())
    const first = await send(server.port, '/', { headers: { 'x-tenant': 'acme' } })
    assert.equal(first.status, 503)
    assert.equal(errors.length, 1)
    const second = await send(server.port, '/', { headers: { 'x-tenant': 'acme' } })
    assert.equal(second.status, 200)
    assert.equal(JSON.parse(second.body).key, 'acme')
    assert.equal((await send(server.port, '/')).status, 404, 'no key → fallback')
  })

  it('exceeding createTimeout → 503', async () => {
    const app = lazy(
      (r) => r.header('x-tenant') ?? null,
      () => sleep(500).then(() => null),
      {
        createTimeout: 50,
      },
    )
    app.on('error', () => {})
    const server = await listen(app, quiet)
    after(() => server.close())
    assert.equal((await send(server.port, '/', { headers: { 'x-tenant': 'slow' } })).status, 503)
  })
})

describe('hosts over HTTP', async () => {
  const tenants = subdomains('example.com', (key) => tenantApp(key), { apex: tenantApp('apex') })
  const app = hosts({
    'api.example.com': tenantApp('api'),
    '{svc}.internal.test': tenantApp('captured'),
    '*.example.com': tenants,
    'example.com': tenants,
  })
  const server = await listen(app, quiet)
  const trusted = await listen(app, { ...quiet, trustProxy: true })
  after(() => Promise.all([server.close(), trusted.close()]))
  const idOf = async (host: string, port = server.port, headers?: Record<string, string>) => {
    const reply = await send(port, '/', { host, headers })
    return reply.status === 200
      ? (JSON.parse(reply.body) as { id: string }).id.split('#')[0]
      : reply.status
  }

  it('normalizes case, port and a trailing dot', async () => {
    assert.equal(await idOf('API.Example.COM:8080'), 'api')
    assert.equal(await idOf('api.example.com.'), 'api')
    assert.equal(await idOf('Acme.Example.com'), 'acme')
    assert.equal(await idOf('example.com'), 'apex')
  })

  it('captures into mountInfo().params', async () => {
    const reply = await send(server.port, '/', { host: 'billing.internal.test' })
    assert.deepEqual(JSON.parse(reply.body).params, { svc: 'billing' })
  })

  it('keeps evilexample.com and unknown hosts away from tenants', async () => {
    assert.equal(await idOf('evilexample.com'), 404)
    assert.equal(await idOf('example.org'), 404)
    assert.equal(await idOf('[::1]:8080'), 404)
  })

  it('answers 400 to malformed hosts', async () => {
    const empty = await sendRaw(server.port, 'GET / HTTP/1.1\r\nHost: \r\nConnection: close')
    assert.equal(empty, 400)
    const missing = await sendRaw(server.port, 'GET / HTTP/1.0\r\nConnection: close')
    assert.equal(missing, 400)
    for (const host of [
      'a b.example.com',
      'user@api.example.com',
      'api.example.com:99999',
      '[::1',
      'a..example.com',
    ]) {
      const reply = await send(server.port, '/', { host })
      assert.equal(reply.status, 400, `Host ${JSON.stringify(host)} → ${reply.status}`)
    }
  })

  it('reads X-Forwarded-Host only from a trusted proxy', async () => {
    const headers = { 'x-forwarded-host': 'api.example.com' }
    assert.equal(await idOf('acme.example.com', server.port, headers), 'acme')
    assert.equal(await idOf('acme.example.com', trusted.port, headers), 'api')
    assert.equal(
      await idOf('acme.example.com', trusted.port, {
        'x-forwarded-host': 'evil.com, api.example.com',
      }),
      'api',
    )
  })
})

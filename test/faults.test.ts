// Fault injection (issue 6, item 3), part 1: failing tenant factories and dispose hooks, and a
// request body that fails on its way to a Node app behind the Fetch entry. Each fault gets its
// documented status, the server keeps serving, and nothing escapes as an unhandledRejection
// or uncaughtException (checked after every test). Leaf faults: faults-leaves.test.ts.
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { mount, mountInfo, node, subdomains } from '../src/index.ts'
// The Node half: lets fetch() reach the Node apps these trees hold.
import '../src/node.ts'
import { abortDownload, fetchOnce } from './support/client.ts'
import { listen } from './support/http.ts'

const escaped: unknown[] = []
process.on('unhandledRejection', (error) => escaped.push(error))
process.on('uncaughtException', (error) => escaped.push(error))
/** Fails with whatever escaped since the last check. */
async function noneEscaped(): Promise<void> {
  await sleep(20)
  assert.deepEqual(escaped.splice(0), [])
}

afterEach(noneEscaped)

const tenant = () => node((req, res) => res.end(`tenant ${mountInfo(req)?.key}`))

describe('factory faults (503, logged once, not cached, retried)', () => {
  const errors: string[] = []
  const disposed: string[] = []
  let calls = 0
  let flaky = 0
  const tenants = subdomains(
    'example.com',
    (key) => {
      calls++
      if (key === 'throws') throw new Error('factory throws')
      if (key === 'rejects') return Promise.reject(new Error('factory rejects'))
      if (key === 'rejects-later') return sleep(50).then(() => Promise.reject(new Error('later')))
      if (key === 'late') return sleep(300).then(tenant)
      if (key === 'forever') return new Promise(() => {})
      if (key === 'flaky' && ++flaky === 1) throw new Error('first call fails')
      if (key.startsWith('slow')) return sleep(20 + Math.random() * 40).then(tenant)
      return tenant()
    },
    { createTimeout: 150, max: 8, dispose: (_app, key) => void disposed.push(key) },
  )
  tenants.on('error', (_error: unknown, key: string, phase: string) =>
    errors.push(`${phase} ${key}`),
  )
  let port: number
  let close: () => Promise<void>
  before(async () => ({ port, close } = await listen(tenants)))
  after(() => close())

  const get = (key: string) => fetchOnce(port, '/', `${key}.example.com`)

  // A failure that takes time is shared by the requests that arrive meanwhile; an immediate
  // one is over before the next request arrives, so each request makes (and logs) its own.
  for (const [key, shared] of [
    ['throws', false],
    ['rejects', false],
    ['rejects-later', true],
    ['forever', true],
  ] as const) {
    it(`${key}: 10 concurrent requests → 503 each, each creation logged once, none cached`, async () => {
      const [before, callsBefore] = [errors.length, calls]
      const replies = await Promise.all(Array.from({ length: 10 }, () => get(key)))
      assert.deepEqual(
        new Set(replies.map((r) => `${r.status} ${r.body}`)),
        new Set(['503 Service Unavailable\n']),
      )
      const made = calls - callsBefore
      if (shared) assert.equal(made, 1, 'one creation shared by all ten')
      assert.deepEqual(errors.slice(before), Array(made).fill(`create ${key}`))
      assert.equal((await get(key)).status, 503, 'the next request tries again')
      assert.equal(calls - callsBefore, made + 1)
    })
  }

  it('late: 503 at createTimeout, and the instance that arrives later is disposed, never served', async () => {
    const started = Date.now()
    assert.equal((await get('late')).status, 503)
    assert.ok(Date.now() - started < 290, 'answered at the timeout, not when the factory finished')
    await sleep(300)
    assert.ok(disposed.includes('late'))
    assert.ok(!tenants.instances().some((info) => info.key === 'late'))
  })

  it('flaky: the request after a failure gets a fresh creation and is served', async () => {
    assert.equal((await get('flaky')).status, 503)
    assert.deepEqual(await get('flaky'), { status: 200, body: 'tenant flaky', complete: true })
  })

  it('slow factories under concurrency and churn: every request served by its own tenant', async () => {
    const keys = Array.from({ length: 400 }, (_, i) => `slow${i % 40}`)
    const replies = await Promise.all(keys.map((key) => get(key)))
    for (const [i, reply] of replies.entries()) {
      assert.equal(`${reply.status} ${reply.body}`, `200 tenant ${keys[i]}`)
    }
    assert.ok(tenants.instances().length <= 8)
  })
})

describe('dispose faults', () => {
  it('dispose that throws or rejects: error events, the server keeps serving, close() settles', async () => {
    const errors: string[] = []
    const app = subdomains('example.com', tenant, {
      max: 1,
      dispose: (_app, key) => {
        if (key === 'sync') throw new Error('dispose throws')
        if (key === 'async') return Promise.reject(new Error('dispose rejects'))
      },
    })
    app.on('error', (_error: unknown, key: string, phase: string) => errors.push(`${phase} ${key}`))
    const server = await listen(app)
    try {
      for (const key of ['sync', 'async', 'other', 'sync', 'other']) {
        assert.equal(
          (await fetchOnce(server.port, '/', `${key}.example.com`)).body,
          `tenant ${key}`,
        )
      }
      await sleep(10)
      assert.deepEqual(errors, ['dispose sync', 'dispose async', 'dispose sync'])
    } finally {
      await server.close()
    }
    await app.close()
  })

  it('without an error listener a failing dispose goes to console.error, not a crash', async (t) => {
    const logged = t.mock.method(console, 'error', () => {})
    const app = subdomains('example.com', tenant, {
      max: 1,
      dispose: () => {
        throw new Error('dispose throws')
      },
    })
    const server = await listen(app)
    try {
      for (const key of ['a', 'b', 'c'])
        assert.equal((await fetchOnce(server.port, '/', `${key}.example.com`)).status, 200)
    } finally {
      await server.close()
    }
    await app.close()
    assert.equal(logged.mock.callCount(), 3, 'a and b evicted, c closed')
  })
})

describe('client aborts and instance leases', () => {
  it('a client leaving mid-download releases its tenant: invalidate() disposes it at once', async () => {
    const disposed: string[] = []
    const endless = node((_req, res) => {
      const timer = setInterval(() => res.write('tick\n'), 5)
      res.once('close', () => clearInterval(timer))
    })
    const app = subdomains('example.com', () => endless, {
      dispose: (_app, key) => void disposed.push(key),
    })
    const server = await listen(app)
    try {
      await abortDownload(server.port, '/', 'gone.example.com')
      await sleep(50)
      assert.deepEqual(
        app.instances().map((i) => [i.key, i.inFlight]),
        [['gone', 0]],
      )
      app.invalidate('gone')
      assert.deepEqual(disposed, ['gone'])
    } finally {
      await server.close()
    }
  })
})

describe('Fetch entry → Node app: the request body fails mid-upload', () => {
  it('the app sees the upload fail, the response settles, nothing escapes', async () => {
    const seen: string[] = []
    const app = mount(null, {
      '/upload': node((req, res) => {
        req.on('error', () => seen.push('req error'))
        req.on('end', () => res.end('complete'))
        req.resume()
      }),
    })
    let controller!: ReadableStreamDefaultController<Uint8Array>
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c
      },
    })
    const init = { method: 'POST', body, duplex: 'half' } as RequestInit
    const response = app.fetch(new Request('http://localhost/upload', init))
    controller.enqueue(new TextEncoder().encode('first chunk'))
    await sleep(20)
    controller.error(new Error('the client went away'))
    const status = await Promise.race([
      response.then((r) => r.status),
      sleep(1000).then(() => 'pending'),
    ])
    assert.notEqual(status, 'pending', 'the response settles without request.signal')
    assert.notEqual(status, 200)
    assert.deepEqual(seen, ['req error'])
  })
})

it('nothing escaped after the last test either', () => {})

// The lazy dispatchers' API: events with the user's apps, invalidate, close, nesting.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { lazy, mount, mountInfo, paths, subdomains } from '../src/index.ts'
// The Node half: lets fetch() reach the Node apps these trees hold.
import '../src/node.ts'

const text = async (
  app: { fetch(r: Request): Promise<Response> },
  url: string,
  init?: RequestInit,
) => {
  const response = await app.fetch(new Request(url, init))
  return `${response.status} ${await response.text()}`
}

function named(name: string) {
  return {
    name,
    fetch: (request: Request) =>
      new Response(`${name} ${new URL(request.url).pathname} ${mountInfo(request)?.basePath}`),
  }
}

describe('lazy dispatcher API', () => {
  it('emits create and evict with the apps the factory returned', async () => {
    const created: unknown[] = []
    const evicted: Array<[string, unknown, string]> = []
    const app = lazy(
      (r) => r.header('x-key') ?? null,
      (key) => named(key),
      { max: 1 },
    )
    app.on('create', (key: string, instance: unknown) => created.push([key, instance]))
    app.on('evict', (key: string, instance: unknown, reason: string) =>
      evicted.push([key, instance, reason]),
    )
    await text(app, 'http://h/', { headers: { 'x-key': 'a' } })
    await text(app, 'http://h/', { headers: { 'x-key': 'b' } })
    assert.equal((created[0] as [string, { name: string }])[1].name, 'a')
    assert.equal(evicted.length, 1)
    const [key, instance, reason] = evicted[0] ?? []
    assert.equal(key, 'a')
    assert.equal((instance as { name: string }).name, 'a')
    assert.equal(reason, 'lru')
  })

  it('invalidate() swaps the instance; the next request gets a new one', async () => {
    let n = 0
    const app = lazy(
      (r) => r.header('x-key') ?? null,
      (key) => named(`${key}${++n}`),
    )
    const headers = { 'x-key': 'k' }
    assert.equal(await text(app, 'http://h/', { headers }), '200 k1 / ')
    assert.equal(app.invalidate('k'), true)
    assert.equal(app.invalidate('nothing'), false)
    assert.equal(await text(app, 'http://h/', { headers }), '200 k2 / ')
  })

  it('close() disposes every live instance, nested ones included', async () => {
    const disposed: string[] = []
    const inner = (key: string) =>
      paths(null, (user) => named(`${key}/${user}`), {
        dispose: (_app, user) => disposed.push(`${key}/${user}`),
      })
    const app = mount(null, {
      '/t': subdomains('example.com', (key) => inner(key), {
        dispose: (_app, key) => disposed.push(key),
      }),
    })
    assert.equal(await text(app, 'http://acme.example.com/t/alice/x'), '200 acme/alice /x /t/alice')
    assert.equal(await text(app, 'http://acme.example.com/t/bob/'), '200 acme/bob / /t/bob')
    await app.close()
    assert.deepEqual(disposed.sort(), ['acme', 'acme/alice', 'acme/bob'])
  })

  it('keys must be strings', async () => {
    const app = lazy(
      () => 42 as unknown as string,
      () => named('x'),
    )
    const response = await app.fetch(new Request('http://h/'))
    assert.equal(response.status, 500)
  })

  it('a lease is held until the response body has been read', async () => {
    const disposed: string[] = []
    const app = lazy(
      (r) => r.header('x-key') ?? null,
      (key) => named(key),
      {
        dispose: (_app, key) => disposed.push(key),
      },
    )
    const response = await app.fetch(new Request('http://h/', { headers: { 'x-key': 'k' } }))
    assert.equal(app.instances()[0]?.inFlight, 1)
    app.invalidate('k')
    await sleep(10)
    assert.deepEqual(disposed, [], 'not disposed while its body is unread')
    assert.equal(await response.text(), 'k / ')
    await sleep(10)
    assert.deepEqual(disposed, ['k'])
  })

  it('a request aborted after its Response arrived ends the lease, its body never read', async () => {
    const disposed: string[] = []
    const cancelled: unknown[] = []
    const app = lazy(
      (r) => r.header('x-key') ?? null,
      () => (_request: Request) =>
        new Response(
          new ReadableStream({
            pull: () => new Promise(() => {}), // a body that never ends
            cancel: (reason) => void cancelled.push(reason),
          }),
        ),
      { dispose: (_app, key) => disposed.push(key) },
    )
    const controller = new AbortController()
    const request = new Request('http://h/', {
      headers: { 'x-key': 'k' },
      signal: controller.signal,
    })
    const response = await app.fetch(request)
    assert.equal(response.status, 200)
    assert.equal(app.instances()[0]?.inFlight, 1)
    app.invalidate('k')
    await sleep(10)
    assert.deepEqual(disposed, [], 'held while the request stands')
    controller.abort(new Error('gone'))
    await sleep(10)
    assert.deepEqual(disposed, ['k'], 'released without anyone reading or cancelling the body')
    assert.equal(cancelled.length, 1, "the app's body is cancelled")
  })

  it('answers 503 with Retry-After when more creations are asked for than maxCreating', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const app = lazy(
      (r) => r.header('x-key') ?? null,
      async (key) => {
        await gate
        return () => new Response(key)
      },
      { maxCreating: 1 },
    )
    const first = app.fetch(new Request('http://h/', { headers: { 'x-key': 'a' } }))
    const busy = await app.fetch(new Request('http://h/', { headers: { 'x-key': 'b' } }))
    assert.equal(busy.status, 503)
    assert.equal(busy.headers.get('retry-after'), '1')
    release()
    assert.equal(await (await first).text(), 'a')
    // The bound is on creations at once: once the first is made, the next key is created.
    const later = await app.fetch(new Request('http://h/', { headers: { 'x-key': 'b' } }))
    assert.equal(await later.text(), 'b')
  })

  it('releases every lease when resolving fails below a lazy instance (no inFlight stuck)', async () => {
    const { createServer, request } = await import('node:http')
    const { toNodeListener } = await import('../src/node.ts')
    // The outer paths() leases its instance; the inner key function then throws.
    const app = paths(null, () =>
      lazy(
        () => {
          throw new Error('key function failed')
        },
        () => null,
      ),
    )
    const response = await app.fetch(new Request('http://h/alice/x'))
    assert.equal(response.status, 500)
    assert.equal(app.instances()[0]?.inFlight, 0, 'through fetch()')
    const server = createServer(toNodeListener(app, { onError: () => {} }))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as import('node:net').AddressInfo).port
    const status = await new Promise<number>((resolve) =>
      request({ port, host: '127.0.0.1', path: '/alice/y' }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      }).end(),
    )
    server.close()
    assert.equal(status, 500)
    assert.equal(app.instances()[0]?.inFlight, 0, 'through the Node listener')
    assert.equal(app.instances()[0]?.requests, 2)
  })

  it('never disposes an instance while its app still works, after a timeout or a client gone', async () => {
    const { createServer } = await import('node:http')
    const { connect } = await import('node:net')
    const { fetchApp, node, toFetchHandler } = await import('../src/index.ts')
    const { toNodeListener } = await import('../src/node.ts')
    const seen: string[] = []
    const disposed = new Set<string>()
    const work = async (key: string) => {
      await sleep(150)
      seen.push(`${key} resumes, disposed: ${disposed.has(key)}`)
    }
    const tenants = lazy(
      (r) => r.header('x-key') ?? null,
      (key) =>
        key.startsWith('f')
          ? fetchApp(async () => {
              await work(key)
              return new Response('done')
            })
          : node(async (_req: unknown, res: import('node:http').ServerResponse) => {
              await work(key)
              res.end('done')
            }),
      { max: 1, dispose: (_app, key) => void disposed.add(key) },
    )
    // The Fetch entry answers 504 at its timeout; the next key evicts the first.
    const fetch = toFetchHandler(tenants, { timeout: 30, onError: () => {} })
    for (const key of ['f1', 'f2']) {
      const response = await fetch(new Request('http://h/', { headers: { 'x-key': key } }))
      assert.equal(response.status, 504)
    }
    // The Node entry: the client of n1 leaves at once; n2 evicts n1.
    const server = createServer(toNodeListener(tenants))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as import('node:net').AddressInfo).port
    for (const key of ['n1', 'n2']) {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(`GET / HTTP/1.1\r\nHost: h\r\nX-Key: ${key}\r\n\r\n`),
      )
      await sleep(30)
      socket.destroy()
    }
    await sleep(400)
    server.close()
    assert.deepEqual(seen.sort(), [
      'f1 resumes, disposed: false',
      'f2 resumes, disposed: false',
      'n1 resumes, disposed: false',
      'n2 resumes, disposed: false',
    ])
    assert.ok(disposed.has('f1') && disposed.has('n1'), 'disposed once their apps were done')
  })

  it('validates its arguments when built', () => {
    assert.throws(() => lazy('x' as never, () => null), /lazy\(\): key must be a function/)
    assert.throws(() => lazy(() => null, 'x' as never), /create must be a function/)
    assert.throws(
      () =>
        lazy(
          () => null,
          () => null,
          { max: 0 },
        ),
      /max/,
    )
    assert.throws(() => subdomains('exa mple.com', () => null), /subdomains\(\): invalid domain/)
    assert.throws(() => paths(42 as never, () => null), TypeError)
  })
})

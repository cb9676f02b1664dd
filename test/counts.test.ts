// Every request is counted once, with the status it was sent (or as aborted when its client
// left before an answer started), on every dispatcher it passed — whatever failed, when.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Dispatcher, lazy, mount, toFetchHandler } from '../src/index.ts'
import { readMetrics } from '../src/metrics.ts'
import { type NodeListenerOptions, toNodeListener, toUpgradeListener } from '../src/node.ts'

const servers: Array<ReturnType<typeof createServer>> = []
after(() => {
  for (const server of servers) {
    server.close()
    server.closeAllConnections()
  }
})

async function listen(app: Dispatcher, options: NodeListenerOptions = { onError: () => {} }) {
  const server = createServer(toNodeListener(app, options))
  server.on('upgrade', toUpgradeListener(app, options))
  servers.push(server.listen(0, '127.0.0.1'))
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

/** Sends a request and gives up (closes the socket) after `ms`. */
function abandon(port: number, path: string, headers: Record<string, string>, ms: number) {
  return new Promise<void>((resolve) => {
    const req = request({ port, host: '127.0.0.1', path, headers })
    req.on('error', () => resolve())
    req.end()
    setTimeout(() => {
      req.destroy()
      resolve()
    }, ms)
  })
}

function counts(app: Dispatcher, child?: string) {
  const tree = readMetrics(app).tree
  const node = child === undefined ? tree : tree.children?.find((c) => c.match === child)?.node
  const { aborted, '2xx': ok, '4xx': client, '5xx': server } = node?.requests ?? {}
  return { aborted, ok, client, server }
}

const hang = (_req: IncomingMessage, _res: ServerResponse) => {}
const slowTenants = () =>
  lazy(
    (r) => r.header('x-tenant') ?? null,
    async (key) => {
      await sleep(150)
      if (key === 'boom') throw new Error('no tenant store')
      return (_req: IncomingMessage, res: ServerResponse) => res.end('ok')
    },
  )

describe('request counts', () => {
  it('a client that leaves before the answer is aborted, not 2xx (with and without leases)', async () => {
    const app = mount(null, { '/hang': hang, '/t': slowTenants() })
    const port = await listen(app)
    await abandon(port, '/hang', {}, 100)
    // Gone while its instance is being created: counted on both dispatchers.
    await abandon(port, '/t/', { 'x-tenant': 'a' }, 50)
    await sleep(250)
    assert.deepEqual(counts(app), { aborted: 2, ok: 0, client: 0, server: 0 })
    assert.deepEqual(counts(app, '/t'), { aborted: 1, ok: 0, client: 0, server: 0 })
  })

  it('over HTTP/2, a stream cancelled before the answer is aborted; an answered one, 2xx', async () => {
    const app = mount(null, {
      '/hang': hang,
      '/ok': (_req: IncomingMessage, res: ServerResponse) => res.end('ok'),
    })
    const server = createHttp2Server(toNodeListener(app, { onError: () => {} }) as never)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const session = connectHttp2(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const ok = session.request({ ':path': '/ok' })
    ok.resume()
    await once(ok, 'end')
    const cancelled = session.request({ ':path': '/hang' })
    cancelled.on('error', () => {})
    await sleep(50)
    cancelled.close()
    await sleep(100)
    session.close()
    server.close()
    assert.deepEqual(counts(app), { aborted: 1, ok: 1, client: 0, server: 0 })
  })

  it('an error page rendered asynchronously is counted with its status', async () => {
    const app = mount(null, { '/t': slowTenants() })
    const renderError = async () => {
      await sleep(20)
      return '<h1>error</h1>'
    }
    const port = await listen(app, { renderError, onError: () => {} })
    const status = await new Promise<number>((resolve) => {
      request({ port, path: '/t/', headers: { 'x-tenant': 'boom' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      }).end()
    })
    assert.equal(status, 503)
    await sleep(20)
    assert.deepEqual(counts(app), { aborted: 0, ok: 0, client: 0, server: 1 })
  })

  it('an upgrade with a malformed Host is counted on the root', async () => {
    const app = mount(null, { '/t': slowTenants() })
    const port = await listen(app)
    const socket = connect(port, '127.0.0.1')
    socket.end(
      'GET / HTTP/1.1\r\nHost: bad host\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    )
    await once(socket.resume(), 'close')
    assert.deepEqual(counts(app), { aborted: 0, ok: 0, client: 1, server: 0 })
  })

  it('a Node app behind fetch() that never answers is counted as the 504 the entry sends', async () => {
    const app = mount(null, { '/hang': hang })
    const response = await toFetchHandler(app, { timeout: 50, onError: () => {} })(
      new Request('http://x.test/hang'),
    )
    assert.equal(response.status, 504)
    await sleep(20)
    assert.deepEqual(counts(app), { aborted: 0, ok: 0, client: 0, server: 1 })
  })
})

// When a request's lease on its instance ends: at once for a response its app completed
// before returning, on 'close' for one still being written, and never before an app's own
// promise settles.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { it } from 'node:test'
import { subdomains } from '../src/index.ts'
import { toNodeListener } from '../src/node.ts'

function request(port: number, host: string) {
  return new Promise<string>((resolve, reject) => {
    get({ port, headers: { host } }, (res) => {
      let body = ''
      res.on('data', (chunk) => {
        body += chunk
      })
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
}

it('a lease ends when the response does: at once if complete, else on close or after the promise', async () => {
  // Set by the apps when they run; read by the test.
  const hooks: { finishLater?: () => void; settle?: () => void } = {}
  const call = (hook: (() => void) | undefined) => hook?.()
  const apps: Record<string, (req: IncomingMessage, res: ServerResponse) => unknown> = {
    sync: (_req, res) => res.end('sync'),
    later: (_req, res) => {
      hooks.finishLater = () => res.end('later')
    },
    // Ends the response at once, then keeps working in its instance.
    working: async (_req, res) => {
      res.end('working')
      await new Promise<void>((resolve) => {
        hooks.settle = resolve
      })
    },
  }
  const tenants = subdomains('example.com', (key) => apps[key] ?? null)
  const listener = toNodeListener(tenants)
  const inFlight = (key: string) => tenants.instances().find((i) => i.key === key)?.inFlight
  const afterReturn: Record<string, number | undefined> = {}
  const server = createServer((req, res) => {
    listener(req, res)
    const key = req.headers.host?.split('.')[0] as string
    // Read right after the listener returns, before the response's 'close'.
    if (inFlight(key) !== undefined) afterReturn[key] = inFlight(key)
  }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  try {
    // First requests create the instances (asynchronously); the second ones are hits.
    await request(port, 'sync.example.com')
    assert.equal(await request(port, 'sync.example.com'), 'sync')
    assert.equal(afterReturn.sync, 0, 'a complete response holds no lease once its app returned')

    const first = request(port, 'later.example.com')
    while (hooks.finishLater === undefined) await new Promise((resolve) => setTimeout(resolve, 5))
    call(hooks.finishLater)
    await first
    hooks.finishLater = undefined
    const second = request(port, 'later.example.com')
    while (hooks.finishLater === undefined) await new Promise((resolve) => setTimeout(resolve, 5))
    assert.equal(afterReturn.later, 1, 'a response still open keeps its lease')
    call(hooks.finishLater)
    assert.equal(await second, 'later')
    while (inFlight('later') !== 0) await new Promise((resolve) => setTimeout(resolve, 5))

    await request(port, 'working.example.com')
    call(hooks.settle)
    hooks.settle = undefined
    assert.equal(await request(port, 'working.example.com'), 'working')
    assert.equal(afterReturn.working, 1, "an app's pending promise keeps the lease")
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(inFlight('working'), 1, 'still held while the promise is pending')
    call(hooks.settle)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(inFlight('working'), 0)
  } finally {
    server.close()
    await tenants.close()
  }
})

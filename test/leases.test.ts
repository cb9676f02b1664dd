// When a request's lease on its instance ends: when its response has finished and closed
// (not when the app calls res.end(): the end callback, 'finish' listeners such as
// on-finished's and the bytes still going out to a slow client come later), and never
// before the app's own promise settles.
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { it } from 'node:test'
import { subdomains } from '../src/index.ts'
import { listen, send } from './support/http.ts'

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown

const request = async (port: number, host: string, path = '/') =>
  (await send(port, path, { host })).body

it("an instance invalidated under a request is disposed after the response's end callback and 'finish'", async () => {
  const log: string[] = []
  let disposed = false
  const tenants = subdomains(
    'example.com',
    (key): Handler =>
      (req, res) => {
        if (req.url === '/swap') tenants.invalidate(key) // with this very request in flight
        res.on('finish', () => log.push(`finish, disposed: ${disposed}`))
        res.end('ok', () => log.push(`end callback, disposed: ${disposed}`))
      },
    {
      dispose: () => {
        disposed = true
        log.push('dispose')
      },
    },
  )
  const { port, close } = await listen(tenants)
  try {
    await request(port, 'a.example.com')
    log.length = 0
    assert.equal(await request(port, 'a.example.com', '/swap'), 'ok')
    while (!disposed) await new Promise((resolve) => setTimeout(resolve, 5))
    assert.deepEqual(log, ['finish, disposed: false', 'end callback, disposed: false', 'dispose'])
  } finally {
    await close()
    await tenants.close()
  }
})

it("an app's pending promise keeps the lease after its response has ended", async () => {
  const hooks: { settle?: () => void } = {}
  const tenants = subdomains(
    'example.com',
    (): Handler => async (_req, res) => {
      res.end('working')
      await new Promise<void>((resolve) => {
        hooks.settle = resolve
      })
    },
  )
  const { port, close } = await listen(tenants)
  const inFlight = () => tenants.instances()[0]?.inFlight
  try {
    assert.equal(await request(port, 'a.example.com'), 'working')
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(inFlight(), 1, 'held while the promise is pending, the response long closed')
    hooks.settle?.()
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(inFlight(), 0)
  } finally {
    await close()
    await tenants.close()
  }
})

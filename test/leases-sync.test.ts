// When a lease ends for an app that answers synchronously: at once when the app left nothing
// of its own to run for its response (no promise, no end callback, no 'finish' or 'close'
// listener), since nothing of it can use the instance after that; otherwise when the
// response closes (test/leases.test.ts).
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { it } from 'node:test'
import { subdomains } from '../src/index.ts'
import { toNodeListener } from '../src/node.ts'
import { send } from './support/http.ts'

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown

/**
 * `app` behind a server that logs each response's 'finish' and 'close' with listeners it adds
 * before switchyard's listener runs (as Node's own are), so they are not the app's.
 */
async function serve(app: ReturnType<typeof subdomains>, log: string[]) {
  const listener = toNodeListener(app)
  const server = createServer((req, res) => {
    res.on('finish', () => log.push('finish'))
    res.on('close', () => log.push('close'))
    listener(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  return { port, close }
}

/** A tenant app that answers at once and invalidates its own instance on `/swap`. */
function tenants(log: string[], extra?: (res: ServerResponse) => void) {
  const app = subdomains(
    'example.com',
    (key): Handler =>
      (req, res) => {
        extra?.(res)
        res.end('ok')
        if (req.url === '/swap') app.invalidate(key) // with this very request in flight
      },
    { dispose: () => log.push('dispose') },
  )
  return app
}

const settle = async (log: string[], last: string) => {
  while (!log.includes(last) || !log.includes('dispose')) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

it('an app that answered and left nothing to run ends its lease when it returns', async () => {
  const log: string[] = []
  const app = tenants(log)
  const { port, close } = await serve(app, log)
  try {
    assert.equal((await send(port, '/', { host: 'a.example.com' })).body, 'ok')
    assert.equal(app.instances()[0]?.inFlight, 0)
    log.length = 0
    assert.equal((await send(port, '/swap', { host: 'a.example.com' })).body, 'ok')
    await settle(log, 'close')
    // Disposed as the app returned: before the response's bytes were flushed ('finish').
    assert.deepEqual(log, ['dispose', 'finish', 'close'])
  } finally {
    await close()
    await app.close()
  }
})

// An app's own 'close' or 'finish' listener keeps the lease until the response closes.
const hooks = [
  {
    event: 'close',
    hook: (log: string[]) => (res: ServerResponse) => res.on('close', () => log.push('app close')),
    last: 'app close',
    order: ['finish', 'close', 'app close', 'dispose'],
  },
  {
    event: 'finish',
    hook: (log: string[]) => (res: ServerResponse) =>
      res.once('finish', () => log.push('app finish')),
    last: 'close',
    order: ['finish', 'app finish', 'close', 'dispose'],
  },
]

for (const { event, hook, last, order } of hooks) {
  it(`an app's own '${event}' listener keeps the lease until the response closes`, async () => {
    const log: string[] = []
    const app = tenants(log, hook(log))
    const { port, close } = await serve(app, log)
    try {
      assert.equal((await send(port, '/swap', { host: 'a.example.com' })).body, 'ok')
      await settle(log, last)
      assert.deepEqual(log, order)
    } finally {
      await close()
      await app.close()
    }
  })
}

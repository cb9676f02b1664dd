// A switchyard listener inside another switchyard tree's leaf (a factory that returns
// toNodeListener(...)): both dispatches end when the response closes — leases released,
// instances disposed, statuses counted — and the leaf sees the inner dispatch.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { mount, mountInfo, subdomains } from '../src/index.ts'
import { readMetrics } from '../src/metrics.ts'
import { toNodeListener } from '../src/node.ts'

function request(port: number, host: string, path = '/') {
  return new Promise<string>((resolve, reject) => {
    get({ port, path, headers: { host } }, (res) => {
      let body = ''
      res.on('data', (chunk) => {
        body += chunk
      })
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
}

describe('a switchyard listener nested in a leaf of another', () => {
  it('releases the outer lease, disposes on invalidate, counts on both trees', async () => {
    const disposed: string[] = []
    const inner = mount(null, {
      '/in': (req: IncomingMessage, res: ServerResponse) =>
        res.end(`${mountInfo(req)?.basePath} ${mountInfo(req)?.key}`),
    })
    const innerListener = toNodeListener(inner)
    const outer = subdomains('example.com', () => innerListener, {
      dispose: (_app, key) => void disposed.push(key),
    })
    const server = createServer(toNodeListener(outer)).listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    for (let i = 0; i < 3; i++) {
      // The leaf sees the inner dispatch (no key there), as mountInfo promises.
      assert.equal(await request(port, 'a.example.com', '/in/x'), '/in undefined')
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.deepEqual(
      outer.instances().map(({ key, inFlight, requests }) => ({ key, inFlight, requests })),
      [{ key: 'a', inFlight: 0, requests: 3 }],
    )
    assert.equal(outer.invalidate('a'), true)
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.deepEqual(disposed, ['a'])
    assert.equal(readMetrics(outer).tree.requests?.['2xx'], 3)
    assert.equal(readMetrics(inner).tree.requests?.['2xx'], 3)
    server.close()
  })
})

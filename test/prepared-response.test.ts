// srvx's FastResponse (what h3 v2 and srvx apps return on Node) is written from its prepared
// form, headers as it lists them, without becoming a full Response; a streamed one streams.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { NodeResponse } from 'srvx/node'
import { mount } from '../src/index.ts'
import { toNodeListener } from '../src/node.ts'
import { exchange } from './support/raw.ts'

const raw = async (port: number, path: string): Promise<string> =>
  (await exchange(port, `GET ${path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`)).text

describe("srvx's FastResponse behind the Node entry", () => {
  let calls = 0
  const app = (request: Request) => {
    const path = new URL(request.url).pathname
    // srvx takes a Node Readable as a body; one of strings yields strings, not bytes.
    if (path === '/strings') return new NodeResponse(Readable.from(['h\u00e9']) as never)
    // srvx does not check a status; a real Response throws for one outside 200–599.
    if (path === '/103') return new NodeResponse(null, { status: 103 })
    // Nor a body on a 204; an empty one is none, as srvx's own adapter has it.
    if (path === '/204') return new NodeResponse('x', { status: 204 })
    if (path === '/204-empty') return new NodeResponse('', { status: 204 })
    if (path === '/stream') {
      return new NodeResponse(new Blob(['a', 'b']).stream(), { headers: { 'x-kind': 'stream' } })
    }
    return new NodeResponse('fast', {
      status: 201,
      headers: [
        ['x-kind', 'prepared'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
    })
  }
  const prepare = NodeResponse.prototype as unknown as { _toNodeResponse: () => unknown }
  const original = prepare._toNodeResponse
  const server = createServer(toNodeListener(mount(null, { '/s': app })))
  let port = 0
  before(async () => {
    prepare._toNodeResponse = function (this: unknown) {
      calls++
      return original.call(this)
    }
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  after(() => {
    prepare._toNodeResponse = original
    server.close()
  })

  it('writes a whole body from its prepared form: status, every header, the body', async () => {
    const text = await raw(port, '/s/')
    assert.match(text, /^HTTP\/1\.1 201 /)
    assert.match(text, /\r\nx-kind: prepared\r\n/)
    assert.match(text, /\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n/)
    assert.match(text, /\r\ncontent-length: 4\r\n/i)
    assert.match(text, /\r\n\r\nfast$/)
    assert.ok(calls >= 1, 'written from _toNodeResponse()')
  })

  it('writes a Readable of strings whole, measured in bytes', async () => {
    const text = await raw(port, '/s/strings')
    assert.match(text, /^HTTP\/1\.1 200 /)
    assert.match(text, /\r\ncontent-length: 3\r\n/i)
    assert.ok(Buffer.from(text, 'latin1').toString('utf8').endsWith('\r\n\r\nh\u00e9'), text)
  })

  it('answers a status outside 200–599 with a 500, as a real Response refuses it', async () => {
    const reply = await exchange(
      port,
      'GET /s/103 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n',
      2000,
      false,
    )
    assert.equal(reply.status, 500)
  })

  it('answers a 204 with a body with a 500, as a real Response refuses it; an empty one is none', async () => {
    const request = (path: string) =>
      `GET /s${path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`
    assert.equal((await exchange(port, request('/204'), 2000, false)).status, 500)
    const empty = await exchange(port, request('/204-empty'), 2000, false)
    assert.equal(empty.status, 204)
    assert.equal(empty.body, '')
  })

  it('streams a streamed body', async () => {
    const text = await raw(port, '/s/stream')
    assert.match(text, /\r\nx-kind: stream\r\n/)
    assert.match(text, /\r\n\r\n(?:1\r\na\r\n1\r\nb\r\n0\r\n\r\n|2\r\nab\r\n0\r\n\r\n)$/)
  })
})

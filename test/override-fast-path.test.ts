// With the override on (the default), the very first listener of a process lets
// @hono/node-server write the small lightweight Responses it recognises itself: its own
// writer names the headers `Content-Type` and `Content-Length`, switchyard's writer
// `content-type` and `content-length`. A stream still goes through switchyard's writer, and
// so does a status a real Response refuses.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { Hono } from 'hono'
import { mount } from '../src/index.ts'
import { toNodeListener } from '../src/node.ts'
import { exchange } from './support/raw.ts'

const raw = async (port: number, path: string): Promise<string> =>
  (await exchange(port, `GET ${path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`)).text

describe('the first listener of a process, override on', () => {
  const hono = new Hono()
    .get('/', (c) => c.text('ok'))
    .get('/stream', () => new Response(new Blob(['a', 'b']).stream()))
  const server = createServer(toNodeListener(mount(null, { '/h': hono })))
  let port = 0
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  after(() => server.close())

  it("has a small text Response written by @hono/node-server's own fast path", async () => {
    const text = await raw(port, '/h/')
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/)
    assert.match(text, /\r\nContent-Type: text\/plain; charset=UTF-8\r\n/)
    assert.match(text, /\r\n\r\nok$/)
  })

  it("has a streamed body written by switchyard's writer", async () => {
    const text = await raw(port, '/h/stream')
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/)
    assert.doesNotMatch(text, /\r\nContent-Type: /)
  })
})

describe('a status, or a body on a 204 or 304, that a real Response refuses, override on', () => {
  const reported: unknown[] = []
  const app = mount(null, {
    '/103': () => new Response(null, { status: 103 }),
    '/600': () => new Response('x', { status: 600 }),
    '/204': () => new Response('x', { status: 204 }),
    '/304': () => new Response('xyz', { status: 304, headers: { etag: '"a"' } }),
    '/204-null': () => new Response(null, { status: 204 }),
  })
  const server = createServer(toNodeListener(app, { onError: (error) => reported.push(error) }))
  let port = 0
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  after(() => server.close())

  // The lightweight Response checks neither; @hono/node-server sent a 103 with no answer after
  // it (the client waited), a 600 as it was, a 204 with the body's Content-Length (which a
  // 204 must not carry) and a 304 with a Content-Length of its own body.
  for (const [path, thrown] of [
    ['/103', RangeError],
    ['/600', RangeError],
    ['/204', TypeError],
    ['/304', TypeError],
  ] as const) {
    it(`GET ${path} is a 500, reported, as a real Response's ${thrown.name} is`, async () => {
      const before = reported.length
      const request = `GET ${path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`
      const reply = await exchange(port, request, 2000, false)
      assert.equal(reply.status, 500)
      assert.equal(reported.length, before + 1)
      assert.ok(reported.at(-1) instanceof thrown)
    })
  }

  it('GET a 204 without a body is a 204 with no Content-Length', async () => {
    const request = 'GET /204-null HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'
    const reply = await exchange(port, request, 2000, false)
    assert.equal(reply.status, 204)
    assert.equal(reply.headers['content-length'], undefined)
  })
})

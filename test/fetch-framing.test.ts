// A Fetch answer's body is its content: a Transfer-Encoding it names (set by hand, or copied
// from an upstream fetch()) describes no framing of that body, so the Node entry frames it
// itself. Before, a small answer went out with both Content-Length and
// `Transfer-Encoding: chunked` (undici refuses it, HPE_UNEXPECTED_CONTENT_LENGTH; RFC 9112
// §6.3 reads it as a sign of response splitting), and an HTTP/1.0 client got chunk framing
// as its body. Hono's stream() (which Node chunks) shows that streams still stream. Also
// run with the global override off (override-off.test.ts).
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import { NodeResponse } from 'srvx/node'
import { mount } from '../src/index.ts'
import { toNodeListener } from '../src/node.ts'
import { exchange } from './support/raw.ts'

const CHUNKED = 'chunked'

describe('Fetch answers that name a Transfer-Encoding, behind the Node entry', () => {
  // A real upstream that answers in chunks: its fetch() Response names the chunking undone.
  const upstream = createServer((_req, res) => {
    res.write('hel')
    res.end('lo')
  })
  let upstreamUrl = ''
  const hono = new Hono().get('/stream', (c) =>
    stream(c, async (s) => {
      await s.write('hel')
      await s.write('lo')
    }),
  )
  const apps = {
    '/object': () =>
      new Response('hello', {
        headers: { 'Transfer-Encoding': CHUNKED, 'content-type': 'text/plain' },
      }),
    '/headers': () =>
      new Response('hello', { headers: new Headers({ 'transfer-encoding': CHUNKED }) }),
    '/pairs': () =>
      new Response(new TextEncoder().encode('hello'), {
        headers: [['transfer-encoding', CHUNKED]],
      }),
    '/copied': async () => {
      const answer = await fetch(upstreamUrl)
      assert.equal(answer.headers.get('transfer-encoding'), CHUNKED)
      return new Response(await answer.text(), { headers: answer.headers })
    },
    '/srvx': () => new NodeResponse('hello', { headers: { 'transfer-encoding': CHUNKED } }),
    '/hono': hono,
  }
  let server: Server
  let port = 0
  before(async () => {
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`
    server = createServer(toNodeListener(mount(null, apps)))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  after(() => {
    server.close()
    upstream.close()
  })

  const paths = [...Object.keys(apps).filter((p) => p !== '/hono'), '/hono/stream']
  for (const path of paths) {
    it(`GET ${path}: one framing over HTTP/1.1, read whole by a strict client`, async () => {
      const request = `GET ${path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`
      const reply = await exchange(port, request, 3000, false)
      assert.equal(reply.status, 200)
      const framings = ['content-length', 'transfer-encoding'].filter((f) => f in reply.headers)
      assert.equal(framings.length, 1, `exactly one framing field, got ${reply.text}`)
      const answer = await fetch(`http://127.0.0.1:${port}${path}`)
      assert.equal(await answer.text(), 'hello')
    })

    it(`GET ${path}: an HTTP/1.0 client gets the body itself, no chunk framing`, async () => {
      const reply = await exchange(
        port,
        `GET ${path} HTTP/1.0\r\nHost: a.test\r\n\r\n`,
        3000,
        false,
      )
      assert.equal(reply.status, 200)
      assert.equal(reply.headers['transfer-encoding'], undefined)
      assert.equal(reply.body, 'hello')
    })
  }
})

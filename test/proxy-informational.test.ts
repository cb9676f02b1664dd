// What upstream() passes on besides the answer itself: 103 Early Hints before it, trailer
// fields after its body. The upstream is a real Node server (writeEarlyHints, addTrailers);
// the clients are Node's HTTP/1.1 and HTTP/2 clients, and raw HTTP/1.0 bytes.
import assert from 'node:assert/strict'
import { createServer, request, type Server } from 'node:http'
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2'
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { mount } from '../src/index.ts'
import { toNodeListener, upstream } from '../src/node.ts'
import { listen, type Running } from './support/http.ts'

const LINK = '</style.css>; rel=preload; as=style'

let origin: Server
let app: ReturnType<typeof mount>
let front: Running

before(async () => {
  origin = createServer(async (req, res) => {
    if (req.url === '/hints') {
      res.writeEarlyHints({ link: LINK, 'x-hint': 'early' })
      await sleep(30)
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('done')
    } else if (req.url === '/trailers') {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' })
      res.write('abc')
      await sleep(10)
      res.write('def')
      res.addTrailers({ 'x-checksum': 'c0ffee' })
      res.end()
    } else res.end('other')
  })
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve))
  const { port } = origin.address() as AddressInfo
  app = mount(null, { '/u': upstream(`http://127.0.0.1:${port}`) })
  front = await listen(app)
})

after(async () => {
  await front.close()
  await app.close()
  origin.close()
})

interface Seen {
  informational: Array<{ status: number; headers: Record<string, unknown> }>
  status: number
  headers: Record<string, unknown>
  body: string
  trailers: Record<string, unknown>
}

function get1(path: string): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const informational: Seen['informational'] = []
    const req = request({ port: front.port, host: '127.0.0.1', path }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () =>
        resolve({
          informational,
          status: res.statusCode as number,
          headers: res.headers,
          body,
          trailers: res.trailers,
        }),
      )
    })
    req.on('information', (info) =>
      informational.push({ status: info.statusCode, headers: info.headers }),
    )
    req.on('error', reject)
    req.end()
  })
}

/** An HTTP/1.0 request in raw bytes: the whole answer, until the server closes. */
function get10(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(front.port, '127.0.0.1')
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('end', () => resolve(text))
    socket.on('error', reject)
    socket.write(`GET ${path} HTTP/1.0\r\nHost: localhost\r\n\r\n`)
  })
}

describe('103 Early Hints', () => {
  test('reach an HTTP/1.1 client before the answer, with their Link', async () => {
    const seen = await get1('/u/hints')
    assert.deepEqual(
      seen.informational.map((i) => [i.status, i.headers.link, i.headers['x-hint']]),
      [[103, LINK, 'early']],
    )
    assert.equal(seen.status, 200)
    assert.equal(seen.body, 'done')
  })

  test('never reach an HTTP/1.0 client, which gets the answer alone', async () => {
    const text = await get10('/u/hints')
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/)
    assert.doesNotMatch(text, /103|preload/)
    assert.match(text, /\r\n\r\ndone$/)
  })

  test('through the Fetch entry, which cannot send them: the answer alone', async () => {
    const response = await app.fetch(new Request('http://localhost/u/hints'))
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('link'), null)
    assert.equal(await response.text(), 'done')
  })
})

describe('trailer fields', () => {
  test('follow a chunked body to an HTTP/1.1 client, announced by Trailer', async () => {
    const seen = await get1('/u/trailers')
    assert.equal(seen.status, 200)
    assert.equal(seen.body, 'abcdef')
    assert.equal(seen.headers.trailer, 'x-checksum')
    assert.deepEqual(seen.trailers, { 'x-checksum': 'c0ffee' })
  })

  test('an HTTP/1.0 client, whose body cannot carry them, gets the whole body and no Trailer', async () => {
    const text = await get10('/u/trailers')
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/)
    assert.doesNotMatch(text, /trailer|c0ffee/i)
    assert.match(text, /\r\n\r\nabcdef$/)
  })

  test('follow the body to an HTTP/2 client, with the 103 before it, and no reason phrase', async () => {
    const warnings: string[] = []
    const warned = (warning: Error) => warnings.push(warning.message)
    process.on('warning', warned)
    const server = createHttp2Server(toNodeListener(app) as never)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const session = connectHttp2(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    try {
      const fetch2 = (path: string) =>
        new Promise<{ early: unknown[]; status: number; body: string; trailers: unknown }>(
          (resolve, reject) => {
            const stream = session.request({ ':path': path })
            const early: unknown[] = []
            let status = 0
            let body = ''
            let trailers: unknown
            stream.on('headers', (headers) => early.push(headers.link))
            stream.on('response', (headers) => (status = headers[':status'] as number))
            stream.on('trailers', (headers) => (trailers = { ...headers }))
            stream.setEncoding('utf8')
            stream.on('data', (chunk: string) => (body += chunk))
            stream.on('end', () => resolve({ early, status, body, trailers }))
            stream.on('error', reject)
          },
        )
      const hinted = await fetch2('/u/hints')
      assert.deepEqual(hinted.early, [LINK])
      assert.equal(hinted.body, 'done')
      const trailed = await fetch2('/u/trailers')
      assert.equal(trailed.status, 200)
      assert.equal(trailed.body, 'abcdef')
      assert.equal((trailed.trailers as Record<string, string>)['x-checksum'], 'c0ffee')
      // HTTP/2 has no reason phrase: Node warns if one is given.
      await sleep(10)
      assert.deepEqual(warnings, [])
    } finally {
      process.off('warning', warned)
      session.close()
      server.close()
    }
  })

  test('a HEAD of a response with a Trailer announcement: 200 without it (there is no body)', async () => {
    // Node's own server refuses to announce trailers on a HEAD answer; Go's and others do:
    // the head a GET would get, chunked, with no body.
    const raw = createNetServer((socket) =>
      socket.once('data', () =>
        socket.write(
          'HTTP/1.1 200 OK\r\nTrailer: x-checksum\r\nTransfer-Encoding: chunked\r\n\r\n',
        ),
      ),
    )
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
    const headApp = upstream(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`)
    const headFront = await listen(headApp)
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(headFront.port, '127.0.0.1')
        let seen = ''
        socket.setEncoding('latin1')
        socket.on('data', (chunk: string) => {
          seen += chunk
          if (seen.includes('\r\n\r\n')) {
            socket.destroy()
            resolve(seen)
          }
        })
        socket.on('error', reject)
        socket.write('HEAD /x HTTP/1.1\r\nHost: localhost\r\n\r\n')
      })
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/)
      assert.doesNotMatch(text, /trailer/i)
    } finally {
      await headFront.close()
      await headApp.close()
      raw.close()
    }
  })

  test('through the Fetch entry: the whole body, no trailers to carry', async () => {
    const response = await app.fetch(new Request('http://localhost/u/trailers'))
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('trailer'), null)
    assert.equal(await response.text(), 'abcdef')
  })
})

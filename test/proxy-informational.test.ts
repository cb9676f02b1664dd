// What upstream() passes on besides the answer itself: 103 Early Hints before it, trailer
// fields after its body. The upstream is a real Node server (writeEarlyHints, addTrailers);
// the clients are Node's HTTP/1.1 and HTTP/2 clients, and raw HTTP/1.0 bytes.
import assert from 'node:assert/strict'
import { createServer, request, type Server } from 'node:http'
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2'
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { mount } from '../src/index.ts'
import { toNodeListener, upstream } from '../src/node.ts'
import { listen, type Running } from './support/http.ts'

// Two links in one field, as Node's own writeEarlyHints() sends an array of them.
const LINKS = ['</style.css>; rel=preload; as=style', '</app.js>; rel=preload; as=script']
const LINK = LINKS.join(', ')

let origin: Server
let app: ReturnType<typeof mount>
let front: Running

before(async () => {
  origin = createServer(async (req, res) => {
    if (req.url === '/hints') {
      res.writeEarlyHints({ link: LINKS, 'x-hint': 'early' })
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
    } else if (req.url === '/hint-one') {
      res.writeEarlyHints({ link: LINKS[0] as string })
      res.end('done')
    } else if (req.url === '/slow') setTimeout(() => res.end('slow'), 150)
    else res.end('other')
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

/** Raw request bytes to `port`: everything that comes back until the server closes. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('end', () => resolve(text))
    socket.on('error', reject)
    socket.write(bytes)
  })
}

/** An HTTP/1.0 request, which the server closes after answering. */
const get10 = (path: string) =>
  exchange(front.port, `GET ${path} HTTP/1.0\r\nHost: localhost\r\n\r\n`)

/**
 * A raw upstream (for what Node's own server will not send): `answer` writes to the socket
 * once per request head. Its `requests` counts the heads it read.
 */
async function rawUpstream(answer: (socket: Socket) => void) {
  let requests = 0
  const server = createNetServer((socket) => {
    socket.on('error', () => {})
    socket.on('data', (chunk) => {
      requests += chunk.toString('latin1').split('\r\n\r\n').length - 1
      answer(socket)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const app = upstream(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  const entry = await listen(app, { onError: () => {} })
  return {
    app,
    port: entry.port,
    requests: () => requests,
    async close() {
      await entry.close()
      await app.close()
      server.close()
    },
  }
}

/** One HTTP/2 request to a toNodeListener() server: its 1xx heads, answer and trailers. */
async function h2(app: Parameters<typeof toNodeListener>[0], path: string) {
  const server = createHttp2Server(toNodeListener(app, { onError: () => {} }) as never)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const session = connectHttp2(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  try {
    return await new Promise<{
      early: Array<Record<string, unknown>>
      status: number
      body: string
      trailers: Record<string, unknown> | undefined
    }>((resolve, reject) => {
      const stream = session.request({ ':path': path })
      const early: Array<Record<string, unknown>> = []
      let status = 0
      let body = ''
      let trailers: Record<string, unknown> | undefined
      stream.on('headers', (headers) => early.push({ ...headers }))
      stream.on('response', (headers) => (status = headers[':status'] as number))
      stream.on('trailers', (headers) => (trailers = { ...headers }))
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => (body += chunk))
      stream.on('end', () => resolve({ early, status, body, trailers }))
      stream.on('error', reject)
    })
  } finally {
    session.close()
    server.close()
  }
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

  test('a pipelined response waiting its turn drops its hints rather than overtake the one before', async () => {
    const text = await exchange(
      front.port,
      'GET /u/slow HTTP/1.1\r\nHost: localhost\r\n\r\n' +
        'GET /u/hint-one HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    )
    // Read as a client does: the first answer by its length, then the second.
    const first =
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\ncontent-length: 4\r\n[\s\S]*?\r\n\r\nslow/i.exec(text)
    assert.ok(first, text)
    // The second answer's head, then exactly its body: no 103 between head and body.
    assert.match(text.slice(first[0].length), /^HTTP\/1\.1 200 OK\r\n(?:[^\r]+\r\n)*\r\ndone$/)
  })

  test("a 103 with a Content-Length (the upstream's mistake) still lets the answer through HTTP/2", async () => {
    const raw = await rawUpstream((socket) =>
      socket.write(
        `HTTP/1.1 103 Early Hints\r\nLink: ${LINK}\r\nContent-Length: 0\r\n\r\n` +
          'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      ),
    )
    try {
      const seen = await h2(upstream(`http://127.0.0.1:${raw.port}`), '/')
      assert.equal(seen.status, 200)
      assert.equal(seen.body, 'ok')
      assert.deepEqual(
        seen.early.map((h) => [h[':status'], h.link, h['content-length']]),
        [[103, LINK, undefined]],
      )
    } finally {
      await raw.close()
    }
  })

  test('an upstream that sent a 103 read the request: a connection lost after it is not retried', async () => {
    const raw = await rawUpstream((socket) => {
      socket.write(`HTTP/1.1 103 Early Hints\r\nLink: ${LINK}\r\n\r\n`)
      setTimeout(() => socket.destroy(), 20)
    })
    try {
      const text = await exchange(
        raw.port,
        'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      )
      assert.equal(text.match(/103 Early Hints/g)?.length, 1, text)
      assert.match(text, /HTTP\/1\.1 502 /)
      assert.equal(raw.requests(), 1, 'sent to the upstream once')
      const viaFetch = await raw.app.fetch(new Request('http://localhost/'))
      assert.equal(viaFetch.status, 502)
      await viaFetch.arrayBuffer()
      assert.equal(raw.requests(), 2, 'through the Fetch entry, once as well')
    } finally {
      await raw.close()
    }
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
    try {
      const hinted = await h2(app, '/u/hints')
      assert.deepEqual(
        hinted.early.map((h) => h.link),
        [LINK],
      )
      assert.equal(hinted.body, 'done')
      const trailed = await h2(app, '/u/trailers')
      assert.equal(trailed.status, 200)
      assert.equal(trailed.body, 'abcdef')
      assert.equal(trailed.trailers?.['x-checksum'], 'c0ffee')
      // HTTP/2 has no reason phrase: Node warns if one is given.
      await sleep(10)
      assert.deepEqual(warnings, [])
    } finally {
      process.off('warning', warned)
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
      const text = await exchange(
        headFront.port,
        'HEAD /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      )
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/)
      assert.doesNotMatch(text, /trailer/i)
    } finally {
      await headFront.close()
      await headApp.close()
      raw.close()
    }
  })

  test('a repeated single-value trailer reaches an HTTP/2 client as one field, and nothing crashes', {
    timeout: 10_000,
  }, async () => {
    const raw = await rawUpstream((socket) =>
      socket.write(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n' +
          'ETag: "a"\r\nETag: "b"\r\n\r\n',
      ),
    )
    try {
      const seen = await h2(upstream(`http://127.0.0.1:${raw.port}`), '/')
      assert.equal(seen.status, 200)
      assert.equal(seen.body, 'ok')
      assert.equal(seen.trailers?.etag, '"a", "b"')
    } finally {
      await raw.close()
    }
  })

  test('through the Fetch entry: the whole body, no trailers to carry', async () => {
    const response = await app.fetch(new Request('http://localhost/u/trailers'))
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('trailer'), null)
    assert.equal(await response.text(), 'abcdef')
  })
})

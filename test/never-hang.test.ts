// No request is left without an answer (issue "never hang"): an app of each kind that does
// nothing gets a documented outcome through either entry, and a Workers-style handler taken
// for Connect middleware by its arity answers 500 with a log that says what to do.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import { after, describe, it } from 'node:test'
import express from 'express'
import { type App, type ErrorContext, mount, subdomains, toFetchHandler } from '../src/index.ts'
import { serve, toNodeListener } from '../src/node.ts'

type Reply = { status: number; headers: Record<string, unknown>; body: string }

function get(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
      .on('error', reject)
      .end()
  })
}

// Each kind, doing nothing at all.
const idle: Record<string, App> = {
  'Node handler': (_req: unknown, _res: unknown) => {},
  'Connect middleware': (_req: unknown, _res: unknown, _next: unknown) => {},
  'Node server': createServer(),
  'Fetch handler': (_request: Request) => new Promise<Response>(() => {}),
}

describe('a leaf that never answers', () => {
  for (const [kind, app] of Object.entries(idle)) {
    it(`${kind} behind fetch(): 504 after the entry's timeout`, async () => {
      const fetch = toFetchHandler(mount(null, { '/x': app }), {
        timeout: 200,
        onError: () => {},
      })
      const started = performance.now()
      const response = await fetch(new Request('http://a.test/x/'))
      assert.equal(response.status, 504)
      assert.equal(await response.text(), 'Gateway Timeout\n')
      assert.ok(performance.now() - started < 2000)
    })
  }

  it('is bounded by default in fetch() (60 s) and can be unbounded with timeout: 0', () => {
    assert.doesNotThrow(() => toFetchHandler(mount(null), { timeout: 0 }))
    assert.throws(() => toFetchHandler(mount(null), { timeout: 'soon' }), TypeError)
  })

  for (const [kind, app] of Object.entries(idle)) {
    it(`${kind} under serve(): 504 with Connection: close after responseTimeout`, async () => {
      const reports: unknown[] = []
      const running = await serve(mount(null, { '/x': app }), {
        port: 0,
        host: '127.0.0.1',
        responseTimeout: 300,
        onError: (error) => reports.push(error),
      })
      try {
        const reply = await get(running.port, '/x/')
        assert.equal(reply.status, 504)
        assert.equal(reply.headers.connection, 'close')
        assert.equal(reply.body, 'Gateway Timeout\n')
        assert.equal(reports.length, 1)
        // The server goes on serving.
        assert.equal((await get(running.port, '/other')).status, 404)
      } finally {
        await running.close()
      }
    })
  }

  it('drops what an app writes after its 504 instead of throwing into it', async () => {
    let late: unknown = 'not yet'
    const app = (_req: unknown, res: import('node:http').ServerResponse) => {
      setTimeout(() => {
        try {
          res.writeHead(200, { 'content-type': 'text/plain' })
          res.end('too late')
          late = undefined
        } catch (error) {
          late = error
        }
      }, 700)
    }
    const running = await serve(app, { port: 0, host: '127.0.0.1', responseTimeout: 300 })
    try {
      assert.equal((await get(running.port, '/')).status, 504)
      await new Promise((resolve) => setTimeout(resolve, 700))
      assert.equal(late, undefined)
    } finally {
      await running.close()
    }
  })
})

describe('a Node leaf answering 101 to a request that asked for no upgrade', () => {
  it('gets 500 through fetch(), logged, and its lazily created instance is released', async () => {
    const errors: string[] = []
    let disposed = 0
    const tenants = subdomains(
      'example.com',
      () => (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(101, { upgrade: 'websocket', connection: 'upgrade' })
        res.end()
      },
      { dispose: () => void disposed++ },
    )
    const fetch = toFetchHandler(tenants, {
      timeout: 10_000, // the answer must come from the 101 itself, not the timeout
      onError: (error) => void errors.push(String((error as Error).message)),
    })
    const started = Date.now()
    const response = await fetch(new Request('http://a.example.com/'))
    assert.equal(response.status, 500)
    assert.ok(Date.now() - started < 5_000)
    assert.ok(
      errors.some((m) => m.includes('101 Switching Protocols')),
      errors.join('; '),
    )
    assert.equal(tenants.instances()[0]?.inFlight, 0)
    await tenants.close()
    assert.equal(disposed, 1)
  })
})

describe('a Workers-style handler classified as Connect middleware', () => {
  const workers = async (_request: unknown, _env: unknown, _ctx: unknown) => new Response('x')
  const reports: Array<{ error: unknown; context: ErrorContext }> = []
  const onError = (error: unknown, context: ErrorContext) => reports.push({ error, context })
  const server = createServer(toNodeListener(mount(null, { '/w': workers }), { onError }))
  after(() => server.close())

  it('answers 500 through the Node entry, and the log says to use fetchApp()', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as import('node:net').AddressInfo).port
    const reply = await get(port, '/w/')
    assert.equal(reply.status, 500)
    assert.equal(reports.length, 1)
    assert.match(String((reports[0]?.error as Error | undefined)?.message), /fetchApp\(\)/)
  })

  it('answers 500 through the Fetch entry too', async () => {
    reports.length = 0
    const fetch = toFetchHandler(mount(null, { '/w': workers }), { onError, timeout: 2000 })
    const response = await fetch(new Request('http://a.test/w/'))
    assert.equal(response.status, 500)
    assert.match(String((reports[0]?.error as Error)?.message), /fetchApp\(\)/)
  })
})

describe('the req contract at the root', () => {
  it('gives a root Node leaf req.baseUrl "" and req.originalUrl', async () => {
    const app = express().get('/p', (req, res) => {
      res.json({ baseUrl: req.baseUrl, originalUrl: req.originalUrl, url: req.url })
    })
    const plain = (
      req: { baseUrl?: string; originalUrl?: string; url?: string },
      res: import('node:http').ServerResponse,
    ) =>
      res.end(JSON.stringify({ baseUrl: req.baseUrl, originalUrl: req.originalUrl, url: req.url }))
    for (const leaf of [app, plain]) {
      const server = createServer(toNodeListener(leaf))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const port = (server.address() as import('node:net').AddressInfo).port
      const reply = await get(port, '/p?q=1')
      server.close()
      const seen = JSON.parse(reply.body)
      assert.equal(seen.baseUrl, '')
      assert.equal(seen.originalUrl, '/p?q=1')
    }
  })
})

// Fixture apps for the contract suite: one real app per framework, all answering the same
// routes, so a case can be run against every kind of leaf.
//
//   GET  /info (and any other unrouted GET)  -> JSON InfoBody
//   POST /upload                             -> hex sha256 of the raw request body
//   GET  /stream                             -> SSE: one event, wait on the app's gate, a second event
//   GET  /throw                              -> the handler throws synchronously
//   GET  /hang     (hono, fetch, node)       -> never answers; Fetch apps watch request.signal,
//                                               the Node app watches its response close
//   GET  /reject   (fetch)                   -> an async rejection
//   GET  /partial  (node)                    -> headers and part of the body, then a throw
//   GET  /partial-async (node)               -> the same, then a rejection once the chunk has left
import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PassThrough } from 'node:stream'
import express, {
  type Request as ExpressRequest,
  type Response as ExpressResponse,
  type NextFunction,
} from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { type Dispatcher, type MountInfo, mount, mountInfo } from '../../src/index.ts'
import { type Deferred, deferred } from './deferred.ts'

/** Stands in for `undefined` in JSON (mountInfo().key is undefined outside lazy dispatchers). */
export const UNDEFINED = '<undefined>'

export type SerializedInfo = Omit<MountInfo, 'key'> & { key: string }

/** What every app answers to `GET /info`. */
export interface InfoBody {
  app: string
  /** Node apps: `req.url`; Fetch apps: the request URL's pathname + search. */
  url: string
  /** Node apps only (null when unset). */
  baseUrl?: string | null
  /** Node apps only (null when unset). */
  originalUrl?: string | null
  /** The X-Forwarded-Prefix header the app received, or null. */
  xfp: string | null
  /** mountInfo() of the request object the app got, `key` serialized; null if undefined. */
  info: SerializedInfo | null
}

/** What a test watches on a `/hang` route. */
export interface HangProbe {
  /** Resolves when the app has received the request. */
  received: Promise<void>
  /** Resolves with the abort reason when the app's `request.signal` fires 'abort'. */
  aborted: Promise<unknown>
}

/** State shared between the apps and the test: stream gates and hang probes, per app name. */
export class Fixtures {
  readonly #gates = new Map<string, Deferred<void>>()
  readonly #hangs = new Map<string, { received: Deferred<void>; aborted: Deferred<unknown> }>()

  /** Test side: a fresh, closed gate for the next `/stream` request to `app`. */
  armGate(app: string): void {
    this.#gates.set(app, deferred())
  }

  /** Test side: lets `app`'s pending stream write its second event and end. */
  openGate(app: string): void {
    this.#gateFor(app).resolve()
  }

  /** App side: resolves when the test opens the gate. */
  gate(app: string): Promise<void> {
    return this.#gateFor(app).promise
  }

  #gateFor(app: string): Deferred<void> {
    let gate = this.#gates.get(app)
    if (gate === undefined) {
      gate = deferred()
      this.#gates.set(app, gate)
    }
    return gate
  }

  /** Test side: a fresh probe for the next `/hang` request to `app`. */
  armHang(app: string): HangProbe {
    const probe = { received: deferred<void>(), aborted: deferred<unknown>() }
    this.#hangs.set(app, probe)
    return { received: probe.received.promise, aborted: probe.aborted.promise }
  }

  /** App side: records the request, and resolves once `signal` aborts. */
  hang(app: string, signal: AbortSignal): Promise<unknown> {
    let probe = this.#hangs.get(app)
    if (probe === undefined || probe.received.settled) {
      probe = { received: deferred<void>(), aborted: deferred<unknown>() }
      this.#hangs.set(app, probe)
    }
    const { received, aborted } = probe
    if (signal.aborted) aborted.resolve(signal.reason)
    else signal.addEventListener('abort', () => aborted.resolve(signal.reason), { once: true })
    received.resolve()
    return aborted.promise
  }
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

export function firstEvent(app: string): string {
  return `data: ${app} one\n\n`
}

export function secondEvent(app: string): string {
  return `data: ${app} two\n\n`
}

function serializeInfo(target: object): SerializedInfo | null {
  const info = mountInfo(target)
  if (info === undefined) return null
  return { ...info, key: info.key === undefined ? UNDEFINED : info.key }
}

type MountedRequest = IncomingMessage & { baseUrl?: string; originalUrl?: string }

function nodeInfo(app: string, req: MountedRequest): InfoBody {
  const xfp = req.headers['x-forwarded-prefix']
  return {
    app,
    url: req.url ?? '',
    baseUrl: req.baseUrl ?? null,
    originalUrl: req.originalUrl ?? null,
    xfp: typeof xfp === 'string' ? xfp : null,
    info: serializeInfo(req),
  }
}

function fetchInfo(app: string, request: Request): InfoBody {
  const url = new URL(request.url)
  return {
    app,
    url: url.pathname + url.search,
    xfp: request.headers.get('x-forwarded-prefix'),
    info: serializeInfo(request),
  }
}

function sseStream(app: string, fx: Fixtures): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(firstEvent(app)))
      await fx.gate(app)
      controller.enqueue(encoder.encode(secondEvent(app)))
      controller.close()
    },
  })
}

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }

/** Express 5. */
export function buildExpress(fx: Fixtures, name = 'express'): express.Express {
  const app = express()
  app.post('/upload', async (req: ExpressRequest, res: ExpressResponse) => {
    res.type('text/plain').send(sha256(await readAll(req)))
  })
  app.get('/stream', (_req: ExpressRequest, res: ExpressResponse) => {
    res.writeHead(200, SSE_HEADERS)
    res.write(firstEvent(name))
    void fx.gate(name).then(() => res.end(secondEvent(name)))
  })
  app.get('/throw', () => {
    throw new Error('express boom')
  })
  app.get('/{*rest}', (req: ExpressRequest, res: ExpressResponse) => {
    res.json(nodeInfo(name, req))
  })
  app.use((error: Error, _req: ExpressRequest, res: ExpressResponse, _next: NextFunction) => {
    res.status(500).json({ app: name, error: error.message })
  })
  return app
}

/** A Hono instance, mounted as the object (its `fetch` method). */
export function buildHono(fx: Fixtures, name = 'hono'): Hono {
  const app = new Hono()
  app.post('/upload', async (c) => c.text(sha256(new Uint8Array(await c.req.arrayBuffer()))))
  app.get('/stream', () => new Response(sseStream(name, fx), { headers: SSE_HEADERS }))
  app.get('/throw', () => {
    throw new Error('hono boom')
  })
  app.get('/hang', async (c) => {
    await fx.hang(name, c.req.raw.signal)
    return new Response('aborted', { status: 499 })
  })
  app.get('*', (c) => c.json(fetchInfo(name, c.req.raw)))
  app.onError((error, c) => c.json({ app: name, error: error.message }, 500))
  return app
}

/** Fastify 5: mount `app.server` after `await app.ready()` (done here). */
export async function buildFastify(fx: Fixtures, name = 'fastify'): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 16 * 1024 * 1024 })
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  )
  app.post('/upload', async (request, reply) => {
    reply.type('text/plain')
    return sha256(request.body as Buffer)
  })
  app.get('/stream', (_request, reply) => {
    const body = new PassThrough()
    body.write(firstEvent(name))
    void fx.gate(name).then(() => body.end(secondEvent(name)))
    return reply.headers(SSE_HEADERS).send(body)
  })
  app.get('/throw', () => {
    throw new Error('fastify boom')
  })
  const info = async (request: { raw: IncomingMessage }) => nodeInfo(name, request.raw)
  app.get('/', info)
  app.get('*', info)
  await app.ready()
  return app
}

/** Koa 3: mount `app.callback()`. */
export function buildKoa(fx: Fixtures, name = 'koa'): Koa {
  const app = new Koa()
  app.silent = true
  app.use(async (ctx) => {
    if (ctx.method === 'POST' && ctx.path === '/upload') {
      ctx.type = 'text/plain'
      ctx.body = sha256(await readAll(ctx.req))
      return
    }
    if (ctx.path === '/stream') {
      const body = new PassThrough()
      ctx.set(SSE_HEADERS)
      ctx.body = body
      body.write(firstEvent(name))
      void fx.gate(name).then(() => body.end(secondEvent(name)))
      return
    }
    if (ctx.path === '/throw') throw new Error('koa boom')
    ctx.body = nodeInfo(name, ctx.req)
  })
  return app
}

export type PlainFetchHandler = (request: Request) => Response | Promise<Response>
export type PlainNodeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

/** A plain Fetch handler: a function of one parameter. */
export function buildFetchHandler(fx: Fixtures, name = 'fetch'): PlainFetchHandler {
  // Not async, so /throw throws synchronously; /reject returns a rejected promise.
  return (request: Request): Response | Promise<Response> => {
    const path = new URL(request.url).pathname
    if (request.method === 'POST' && path === '/upload') {
      return request.arrayBuffer().then((body) => new Response(sha256(new Uint8Array(body))))
    }
    if (path === '/stream') return new Response(sseStream(name, fx), { headers: SSE_HEADERS })
    if (path === '/throw') throw new Error('fetch boom')
    if (path === '/reject') {
      return Promise.reject(new Error('fetch async boom'))
    }
    if (path === '/hang') {
      return fx.hang(name, request.signal).then(() => new Response('aborted', { status: 499 }))
    }
    return Response.json(fetchInfo(name, request))
  }
}

/** A plain Node handler: a function of two parameters. */
export function buildNodeHandler(fx: Fixtures, name = 'node'): PlainNodeHandler {
  return (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (req.method === 'POST' && path === '/upload') {
      void readAll(req).then((body) => {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.end(sha256(body))
      })
      return
    }
    if (path === '/stream') {
      res.writeHead(200, SSE_HEADERS)
      res.write(firstEvent(name))
      void fx.gate(name).then(() => res.end(secondEvent(name)))
      return
    }
    if (path === '/throw') throw new Error('node boom')
    if (path === '/hang') {
      // Never answers; the probe's abort fires when the response closes unfinished.
      const closed = new AbortController()
      res.once('close', () => {
        if (!res.writableFinished) closed.abort(new Error('response closed unfinished'))
      })
      void fx.hang(name, closed.signal)
      return
    }
    if (path === '/partial') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('partial body, then ')
      throw new Error('node partial boom')
    }
    if (path === '/partial-async') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('partial body, then ')
      // Fails after the head and the first chunk have left: the returned promise rejects.
      return new Promise<void>((_, reject) =>
        setTimeout(() => reject(new Error('node partial async boom')), 20),
      )
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(nodeInfo(name, req)))
  }
}

export interface Apps {
  express: express.Express
  hono: Hono
  fastify: FastifyInstance
  koa: Koa
  fetch: PlainFetchHandler
  node: PlainNodeHandler
  close(): Promise<void>
}

export async function buildApps(fx: Fixtures): Promise<Apps> {
  const fastify = await buildFastify(fx)
  return {
    express: buildExpress(fx),
    hono: buildHono(fx),
    fastify,
    koa: buildKoa(fx),
    fetch: buildFetchHandler(fx),
    node: buildNodeHandler(fx),
    close: () => fastify.close(),
  }
}

/** The prefixes the suite mounts, with the app name each one answers as. */
export const PREFIXES: ReadonlyArray<{ prefix: string; app: string; kind: 'node' | 'fetch' }> = [
  { prefix: '/express', app: 'express', kind: 'node' },
  { prefix: '/fastify', app: 'fastify', kind: 'node' },
  { prefix: '/koa', app: 'koa', kind: 'node' },
  { prefix: '/node', app: 'node', kind: 'node' },
  { prefix: '/fetch', app: 'fetch', kind: 'fetch' },
  { prefix: '/hono', app: 'hono', kind: 'fetch' },
  { prefix: '/nested/inner', app: 'express', kind: 'node' },
]

/** Everything in one mount(): Hono is the default app and is mounted again at /hono. */
export function mountAll(apps: Apps): Dispatcher {
  return mount(apps.hono, {
    '/express': apps.express,
    '/fastify': apps.fastify.server,
    '/koa': apps.koa.callback(),
    '/fetch': apps.fetch,
    '/node': apps.node,
    '/hono': apps.hono,
    '/nested': mount(null, { '/inner': apps.express }),
  })
}

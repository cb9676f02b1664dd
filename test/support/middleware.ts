// Connect-style middleware (three declared parameters) for the middleware contract, shared by
// test/connect.test.ts and the serve() fixture, plus an HTTP client that never hangs a test.
import { readFileSync } from 'node:fs'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { request } from 'node:http'
import { connect as netConnect } from 'node:net'
import { fileURLToPath } from 'node:url'
import connect from 'connect'
import express from 'express'
import serveStatic from 'serve-static'

/** The directory every static middleware serves. */
export const STATIC_DIR = fileURLToPath(new URL('../fixtures/connect-static/', import.meta.url))

export const HELLO = readFileSync(`${STATIC_DIR}hello.txt`, 'utf8')
export const SPACED = readFileSync(`${STATIC_DIR}a b.txt`, 'utf8')
export const DOCS_INDEX = readFileSync(`${STATIC_DIR}docs/index.html`, 'utf8')

export type Next = (error?: unknown) => void
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void

/**
 * An `express.Router()` used on its own, as a Connect user mounts one: without an Express
 * app around it there is no `res.json`/`res.send`, so the routes answer with plain Node calls.
 */
export function buildRouter(): express.Router {
  const router = express.Router()
  router.get('/hello', (_req, res) => {
    res.setHeader('content-type', 'text/plain; charset=utf-8')
    res.end('hello from the router\n')
  })
  router.get('/users/:id', (req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(
      JSON.stringify({
        id: req.params.id,
        url: req.url,
        baseUrl: req.baseUrl,
        originalUrl: req.originalUrl,
      }),
    )
  })
  router.get('/boom', (_req, _res, next) => next(new Error('boom from the router')))
  router.get('/boom-later', (_req, _res, next) => {
    setTimeout(() => next(new Error('late boom from the router')), 10)
  })
  router.get('/teapot', (_req, _res, next) =>
    next(Object.assign(new Error('short and stout'), { status: 418 })),
  )
  router.get('/gone', (_req, _res, next) =>
    next(Object.assign(new Error('gone for good'), { statusCode: 410 })),
  )
  router.get('/unavailable', (_req, _res, next) =>
    next(Object.assign(new Error('down for maintenance'), { status: 503 })),
  )
  // Only 4xx/5xx statuses are taken from an error (finalhandler's rule): this one is a 500.
  router.get('/ok-status', (_req, _res, next) =>
    next(Object.assign(new Error('an error claiming 200'), { status: 200 })),
  )
  router.get('/later', (_req, _res, next) => {
    setTimeout(() => next(), 10)
  })
  return router
}

/** A `connect()` app: one route, then static files; everything else falls through. */
export function buildConnectApp(): connect.Server {
  const app = connect()
  // Not '/hello': connect also matches at a '.', so '/hello' would take '/hello.txt'.
  app.use('/greeting', (_req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('content-type', 'text/plain; charset=utf-8')
    res.end('hello from connect\n')
  })
  app.use(serveStatic(STATIC_DIR))
  return app
}

/**
 * A whole Express app. `express()` returns `function (req, res, next)`: three declared
 * parameters, so switchyard passes it a final `next`, and what the app does not handle
 * (no route, an error without an error handler) ends in switchyard's 404 and 500, not
 * Express's own "Cannot GET" page and finalhandler.
 */
export function buildExpressApp(): express.Express {
  const app = express()
  app.set('env', 'test')
  app.get('/hello', (_req, res) => {
    res.type('text/plain').send('hello from express\n')
  })
  app.get('/boom', () => {
    throw new Error('boom from express')
  })
  app.get('/teapot', (_req, _res, next) =>
    next(Object.assign(new Error('express teapot'), { status: 418 })),
  )
  return app
}

/** Bare three-parameter middleware exercising the final `next` itself. */
export const rawMiddleware: Record<string, Middleware> = {
  /** `next()` twice in a row: the second call must not write a second response. */
  twice: (_req, _res, next) => {
    next()
    next()
  },
  /** Answers, then calls `next()` anyway: the answer stands, no 404 is appended. */
  afterEnd: (_req, res, next) => {
    res.setHeader('content-type', 'text/plain; charset=utf-8')
    res.end('answered\n')
    next()
  },
  /** `next(err)` synchronously, from the middleware's own stack frame. */
  syncError: (_req, _res, next) => next(new Error('sync error from middleware')),
  /** `next(err)` then `next()`: one 500, no crash. */
  errorThenNext: (_req, _res, next) => {
    next(new Error('first error'))
    next()
  },
  /** `next()` from a timer, long after the middleware returned. */
  later: (_req, _res, next) => {
    setTimeout(() => next(), 15)
  },
  /** A thrown error from a three-parameter function is a 500 like any other. */
  throws: () => {
    throw new Error('thrown from middleware')
  },
}

export interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface SendOptions {
  method?: string
  headers?: Record<string, string>
  /** Default 5 s: a request the server never answers fails the test instead of hanging it. */
  timeout?: number
}

/** One request to `base` (`http://127.0.0.1:port`); `path` is sent byte for byte. */
export function get(base: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: 'localhost', ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        )
        res.on('error', reject)
      },
    )
    req.setTimeout(options.timeout ?? 5000, () =>
      req.destroy(new Error(`no answer to ${options.method ?? 'GET'} ${path} in time`)),
    )
    req.on('error', reject)
    req.end()
  })
}

/**
 * Writes `data` (one or more pipelined requests, the last with `Connection: close`) on one
 * raw connection and reads every byte until the server closes it.
 */
export function exchange(base: string, data: string, timeout = 5000): Promise<string> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = netConnect(Number(url.port), url.hostname, () => socket.write(data))
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`connection not closed in time; got:\n${Buffer.concat(chunks)}`))
    }, timeout)
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('latin1'))
    })
  })
}

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * Splits the bytes of a raw exchange into its responses, framed by Content-Length or
 * chunked encoding (bodies of GET responses only: no HEAD, no 1xx). Trailing bytes that do
 * not make a whole response are returned as a last response with status 0.
 */
export function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = []
  let at = 0
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at)
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(text.slice(at))
    if (end < 0 || m === null) {
      responses.push({ status: 0, headers: {}, body: text.slice(at) })
      break
    }
    const headers: Record<string, string> = {}
    for (const line of text.slice(at, end).split('\r\n').slice(1)) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    const status = Number(m[1])
    let bodyStart = end + 4
    let body = ''
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      for (;;) {
        const lineEnd = text.indexOf('\r\n', bodyStart)
        const size = Number.parseInt(text.slice(bodyStart, lineEnd), 16)
        if (lineEnd < 0 || Number.isNaN(size)) break
        bodyStart = lineEnd + 2
        if (size === 0) {
          bodyStart += 2
          break
        }
        body += text.slice(bodyStart, bodyStart + size)
        bodyStart += size + 2
      }
    } else if (status !== 204 && status !== 304) {
      const length = Number(headers['content-length'] ?? 0)
      body = text.slice(bodyStart, bodyStart + length)
      bodyStart += length
    }
    responses.push({ status, headers, body })
    at = bodyStart
  }
  return responses
}

/** The status codes of every response in a raw exchange, in order (0: stray bytes). */
export function statusLines(text: string): number[] {
  return parseResponses(text).map((r) => r.status)
}

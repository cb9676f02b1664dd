// Writes a Fetch Response to a Node ServerResponse: status and headers in one writeHead,
// small bodies with a Content-Length in one write, streams chunk by chunk with backpressure.
import type { ServerResponse } from 'node:http'
import { HOP_BY_HOP } from '../core/hop-by-hop.ts'
import { answerFields } from './answer-fields.ts'
import { isHttp2, responseGone } from './response-state.ts'

type NodeHeaders = Record<string, string | string[]>

export function writeResponse(response: Response, res: ServerResponse): void | Promise<void> {
  // The client is gone: nobody reads it, and the app's stream learns it is cancelled.
  if (responseGone(res)) {
    response.body?.cancel().catch(() => {})
    return
  }
  // The body first: a lightweight Response becomes a real one, whose headers then carry the
  // Content-Type a string body implies (its own headers list only what the app gave).
  const body = response.body
  // Response.error() (status 0): Node's HTTP/1 refuses it, HTTP/2 would answer 200.
  checkStatus(response.status, body !== null)
  const headers = toNodeHeaders(response, res)
  if (body === null) {
    res.writeHead(response.status, response.statusText || undefined, headers)
    res.end()
    return
  }
  return writeBody(body.getReader(), response, headers, res)
}

/**
 * Throws what a real Response throws for a status outside 200–599 (a RangeError) or a body
 * on a 204, 205 or 304 (a TypeError), for answers nothing checked (Response.error(), srvx's
 * FastResponse): sent, a 204 or 304 would carry a Content-Length for a body that never goes.
 */
export function checkStatus(status: number, hasBody: boolean): void {
  if (!(status >= 200 && status <= 599)) {
    throw new RangeError(`A Response's status must be 200–599, got ${status}`)
  }
  if (hasBody && isNullBodyStatus(status)) {
    throw new TypeError(`A Response with status ${status} cannot have a body`)
  }
}

/** The statuses of 200–599 that the Fetch standard gives no body. */
export function isNullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304
}

/** The fields as Node writes them; connection-specific ones as answerFields has it. */
function toNodeHeaders(response: Response, res: ServerResponse): NodeHeaders {
  const source = response.headers
  const headers: NodeHeaders = {}
  let hop = false
  source.forEach((value, name) => {
    if (HOP_BY_HOP.has(name)) hop = true
    else headers[name] = value
  })
  if (hop) {
    const flat = answerFields(flatOf(source), response.status, {
      http2: isHttp2(res),
      clientCloses: !res.shouldKeepAlive,
      // fetch() gives its Response the URL it fetched; one the app made has none.
      fetched: !!response.url,
    })
    return fromFlat(flat)
  }
  // Iteration yields each Set-Cookie apart; keep them all.
  if (headers['set-cookie'] !== undefined) headers['set-cookie'] = source.getSetCookie()
  return headers
}

function flatOf(source: Headers): string[] {
  const flat: string[] = []
  for (const [name, value] of source) flat.push(name, value)
  return flat
}

function fromFlat(flat: string[]): NodeHeaders {
  const headers: NodeHeaders = {}
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i] as string
    const value = flat[i + 1] as string
    const had = headers[name]
    headers[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value]
  }
  return headers
}

async function writeBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  response: Response,
  headers: NodeHeaders,
  res: ServerResponse,
): Promise<void> {
  try {
    const first = await reader.read()
    if (first.done) {
      res.writeHead(response.status, response.statusText || undefined, headers)
      res.end()
      return
    }
    // A body that is already complete (a string, a buffer) goes out with a Content-Length
    // in one write; anything slower is streamed, the first chunk without waiting.
    const next = reader.read()
    const second = await Promise.race([next, nextTurn()])
    if (second?.done) {
      headers['content-length'] ??= String(byteLength(first.value))
      res.writeHead(response.status, response.statusText || undefined, headers)
      res.end(first.value)
      return
    }
    res.writeHead(response.status, response.statusText || undefined, headers)
    res.write(first.value)
    // A client that goes away cancels the app's stream at once, even while it is idle.
    res.once('close', () => {
      if (!res.writableEnded) reader.cancel().catch(() => {})
    })
    let chunk = second ?? (await next)
    while (!chunk.done) {
      // The client went away: stop producing, so the app's stream learns it is cancelled.
      if (responseGone(res)) {
        await reader.cancel()
        return
      }
      if (!res.write(chunk.value)) await drained(res)
      chunk = await reader.read()
    }
    res.end()
  } catch (error) {
    // The caller's error funnel answers 500, or cuts a started response short.
    reader.cancel(error).catch(() => {})
    throw error
  }
}

// A stream made from a Node Readable of strings (srvx takes one as a body) yields strings.
function byteLength(chunk: Uint8Array | string): number {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength
}

const nextTurn = (): Promise<undefined> =>
  new Promise((resolve) => setImmediate(resolve as () => void))

function drained(res: ServerResponse): Promise<void> {
  if (responseGone(res)) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

// Responses built by other fast paths: srvx's FastResponse (what h3 v2 and srvx apps return
// on Node) hands over its status, raw headers and body without becoming a full Response
// (`_toNodeResponse()`, srvx's contract with its own Node adapter). A whole body is written
// at once; a streamed one is handed back as a Response for writeResponse to stream.
import type { ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { answerFields } from './answer-fields.ts'
import { isHttp2, responseGone } from './response-state.ts'
import { checkStatus } from './write-response.ts'

interface PreparedResponse {
  status: number
  statusText: string
  /** Flat, as rawHeaders: [name, value, name, value, …]. */
  headers: string[]
  body: unknown
}

type Prepares = { _toNodeResponse?: () => PreparedResponse }

/**
 * `true` once a prepared Response with a whole body is written; a Response to stream for
 * one whose body streams (its prepared form read once: it cannot be read again); `false`
 * for a Response of any other kind.
 */
export function writePrepared(response: Response, res: ServerResponse): boolean | Response {
  const prepare = (response as Prepares)._toNodeResponse
  if (typeof prepare !== 'function' || responseGone(res)) return false
  const prepared = prepare.call(response)
  const { status, statusText, body } = prepared
  // srvx does not check them; a real Response would have thrown (a 103 left the client
  // waiting). An empty body is none, as srvx's own adapter has it.
  checkStatus(status, body != null && (body as { length?: number }).length !== 0)
  // Node frames it and keeps the connection, as for every Fetch answer (write-response.ts):
  // srvx's stream() sets Transfer-Encoding, which HTTP/2 refuses.
  const headers = answerFields(prepared.headers, status, {
    http2: isHttp2(res),
    clientCloses: !res.shouldKeepAlive,
    fetched: false,
  })
  if (body == null || typeof body === 'string' || body instanceof Uint8Array) {
    res.writeHead(status, statusText || undefined, headers)
    res.end(body ?? undefined)
    return true
  }
  const stream = body instanceof Readable ? (Readable.toWeb(body) as ReadableStream) : body
  const pairs: [string, string][] = []
  for (let i = 0; i < headers.length; i += 2)
    pairs.push([headers[i] as string, headers[i + 1] as string])
  return new Response(stream as ReadableStream, { status, statusText, headers: pairs })
}

// What a relay passes on besides the answer's own head and body: 103 Early Hints before it,
// trailer fields after it. Shared by upstream()'s Node forward and the dev server's front,
// so an app behind either reaches its client the same way. Both are optional: whatever
// cannot be passed on faithfully is dropped, never allowed to break the answer.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { Http2ServerResponse } from 'node:http2'
import { isHttp2 } from '../invoke/response-state.ts'
import { responseHeaders } from './headers.ts'

/**
 * Passes a 103 on (RFC 8297), so the client can start fetching what it links while the
 * upstream works: only with a Link, never to an HTTP/1.0 client (RFC 9110 §15.2), and only
 * while nothing of the response has been written.
 */
export function relayEarlyHints(res: ServerResponse, headers: IncomingHttpHeaders): void {
  const req = res.req
  if (res.headersSent || (req.httpVersionMajor === 1 && req.httpVersionMinor === 0)) return
  const hints = responseHeaders(headers)
  // A 103 has no body: a stated length is the upstream's mistake, fatal to an HTTP/2 stream.
  delete hints['content-length']
  if (hints.link === undefined) return
  try {
    if (isHttp2(res)) {
      const stream = (res as unknown as Http2ServerResponse).stream
      stream.additionalHeaders({ ':status': 103, ...singleValued(hints) })
    } else if (res.socket !== null) {
      // Written as received rather than through writeEarlyHints(), whose Link check refuses
      // common forms (several links in one field, a quoted title). Only once the response
      // owns the connection: a pipelined response waiting its turn would be overtaken.
      res.socket.write(earlyHintsHead(hints))
    }
  } catch {
    // Fields HTTP/2 will not carry (a repeated single-value one): the answer still comes.
  }
}

function earlyHintsHead(hints: IncomingHttpHeaders): string {
  let head = 'HTTP/1.1 103 Early Hints\r\n'
  for (const name in hints) {
    const value = hints[name] as string | string[]
    // Names are tokens and values free of CR and LF: the upstream's parser refused others.
    for (const line of typeof value === 'string' ? [value] : value) head += `${name}: ${line}\r\n`
  }
  return `${head}\r\n`
}

/**
 * Whether the upstream's Trailer announcement can be kept on the head about to be written:
 * only where trailers can follow the body. Node refuses to write one on a body it does not
 * chunk (an HTTP/1.0 client's, a stated length) or on no body at all.
 */
export function trailersCanFollow(
  res: ServerResponse,
  status: number,
  fields: IncomingHttpHeaders,
): boolean {
  const req = res.req
  if (status === 204 || status === 304 || req.method === 'HEAD') return false
  if (isHttp2(res)) return true
  return req.httpVersionMinor >= 1 && fields['content-length'] === undefined
}

/** Adds the upstream's trailer fields to the response, where they can follow its body. */
export function relayTrailers(res: ServerResponse, trailers: IncomingHttpHeaders): void {
  let any = false
  for (const _ in trailers) any = true
  if (!any) return
  const http2 = isHttp2(res)
  // Written head: HTTP/2 frames, or HTTP/1.1 chunks, can carry them.
  if (!http2 && !res.chunkedEncoding) return
  const fields = responseHeaders(trailers)
  delete fields['content-length']
  try {
    // HTTP/2 checks its trailers only when it sends them, after this returns, where a
    // throw would be uncaught: so they go in the form it accepts.
    res.addTrailers((http2 ? singleValued(fields) : fields) as Record<string, string | string[]>)
  } catch {
    // A field Node refuses to write (invalid characters): the body is whole without it.
  }
}

/**
 * Repeated fields as one, joined with commas (RFC 9110 §5.3), except Set-Cookie: HTTP/2
 * refuses repeats of the fields it knows to be single-valued (ETag, Date, Content-Type).
 */
function singleValued(fields: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name in fields) {
    const value = fields[name] as string | string[]
    out[name] = typeof value === 'string' || name === 'set-cookie' ? value : value.join(', ')
  }
  return out
}

/** HTTP/2 has no reason phrase (RFC 9113 §8.3.2): Node warns at one, so none is given. */
export function reasonPhrase(res: ServerResponse, message: string | undefined): string | undefined {
  return isHttp2(res) ? undefined : message || undefined
}

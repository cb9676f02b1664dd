// What a relay passes on besides the answer's own head and body: 103 Early Hints before it,
// trailer fields after it. Shared by upstream()'s Node forward and the dev server's front,
// so an app behind either reaches its client the same way.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import { responseHeaders } from './headers.ts'

/**
 * Passes a 103 on (RFC 8297), so the client can start fetching what it links while the
 * upstream works: only with a Link, and never to an HTTP/1.0 client (RFC 9110 §15.2).
 */
export function relayEarlyHints(res: ServerResponse, headers: IncomingHttpHeaders): void {
  const req = res.req
  if (res.headersSent || (req.httpVersionMajor === 1 && req.httpVersionMinor === 0)) return
  const hints = responseHeaders(headers)
  if (hints.link === undefined) return
  try {
    res.writeEarlyHints(hints as Record<string, string | string[]>)
  } catch {
    // A Link Node's stricter check refuses: hints are optional, the answer still comes.
  }
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
  if (req.httpVersionMajor >= 2) return true
  return req.httpVersionMinor >= 1 && fields['content-length'] === undefined
}

/** Adds the upstream's trailer fields to the response, where they can follow its body. */
export function relayTrailers(res: ServerResponse, trailers: IncomingHttpHeaders): void {
  let any = false
  for (const _ in trailers) any = true
  // Written head: HTTP/2 frames, or HTTP/1.1 chunks, can carry them.
  if (!any || !(res.req.httpVersionMajor >= 2 || res.chunkedEncoding)) return
  const fields = responseHeaders(trailers)
  delete fields['content-length']
  try {
    res.addTrailers(fields as Record<string, string | string[]>)
  } catch {
    // A field Node refuses to write (invalid characters): the body is whole without it.
  }
}

/** HTTP/2 has no reason phrase (RFC 9113 §8.3.2): Node warns at one, so none is given. */
export function reasonPhrase(res: ServerResponse, message: string | undefined): string | undefined {
  return res.req.httpVersionMajor >= 2 ? undefined : message || undefined
}

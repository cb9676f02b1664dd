// Which Responses @hono/node-server writes itself, synchronously: its lightweight Response
// keeps a small body (null, a string, bytes) in a private cache that its listener writes in
// one call. The cache is not public, so it is found by a self-test on a probe Response, not
// by name; if the test fails (another version, the override off), every Response is
// written by switchyard's own writer instead, as correct and a little slower.

import { HOP_BY_HOP, isHopByHop } from '../core/hop-by-hop.ts'
import { isNullBodyStatus } from './write-response.ts'

type CacheEntry = [status: number, body: unknown, headers: unknown]

/** A predicate for "@hono/node-server writes this one synchronously". */
export function lightweightCache(overrideOn: boolean): (response: Response) => boolean {
  const key = overrideOn ? probe() : undefined
  if (key === undefined) return never
  return (response) => {
    const cached = (response as unknown as Record<symbol, CacheEntry | undefined>)[key]
    if (cached === undefined) return false
    // A status outside 200–599 is refused by a real Response (a RangeError, answered 500);
    // @hono/node-server would send it (a 103 with no answer after it leaves the client waiting).
    const status = cached[0]
    if (!(status >= 200 && status <= 599)) return false
    const body = cached[1]
    if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) return false
    // A body on a status that has none is refused by a real Response (a TypeError, answered
    // 500); @hono/node-server would send its Content-Length, which a 204 must not carry.
    if (body !== null && isNullBodyStatus(status)) return false
    return !leavesFastPath(cached[2])
  }
}

const never = (): boolean => false

/**
 * Whether @hono/node-server should leave the answer to switchyard's writer because of its
 * header init, read as given (usually a plain object of one or two fields), never
 * materialized:
 * - it names a connection-specific field (a common way in: the headers of an upstream
 *   `fetch()` copied onto a new body). @hono/node-server would write a Content-Length beside
 *   a Transfer-Encoding, a message that strict clients refuse (undici) and others frame
 *   differently (RFC 9112 §6.3), fail on a Trailer (500), and keep a client's connection open
 *   that asked to close; switchyard's writer leaves such fields out (answerFields);
 * - it is not a plain object, an array or a Headers (a Map, another package's Headers):
 *   @hono/node-server would write none of its fields.
 */
function leavesFastPath(init: unknown): boolean {
  if (init === undefined || init === null) return false
  if (init instanceof Headers) {
    for (const name of init.keys()) if (HOP_BY_HOP.has(name)) return true
    return false
  }
  if (Array.isArray(init)) {
    for (const pair of init) if (!Array.isArray(pair) || isHopByHop(pair[0])) return true
    return false
  }
  const proto = Object.getPrototypeOf(init)
  if (proto !== Object.prototype && proto !== null) return true
  for (const name in init as object) if (isHopByHop(name)) return true
  return false
}

function probe(): symbol | undefined {
  // After the override, the global Response is the lightweight class.
  const response = new Response('probe', { status: 299 })
  for (const key of Object.getOwnPropertySymbols(response)) {
    const value = (response as unknown as Record<symbol, unknown>)[key]
    if (Array.isArray(value) && value[0] === 299 && value[1] === 'probe') return key
  }
  return undefined
}

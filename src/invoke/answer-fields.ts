// An answer's fields as Node writes them, where the body is content already decoded: a
// Fetch Response's (an upstream `fetch()`'s headers still name the chunking undici undid), or
// a dev worker's answer relayed by the front. Node frames it and keeps the connection:
// connection-specific fields are left out (HTTP/2 refuses them anyway), and a Content-Length
// beside a Transfer-Encoding, the stale one (RFC 9112 §6.3), is measured anew. Over HTTP/1,
// two things the answer says about the client's connection hold: `Connection: close` closes,
// and a 426's `Upgrade` (which it must carry, RFC 9110 §15.5.22) goes out with
// `Connection: upgrade`, and `close` beside it when the client asked to close (Node reads any
// Connection field without `close` as keep-alive). Any other answer's Upgrade (an upstream's
// `Upgrade: h2c`, copied) offers what this server does not do: left out. A Response that
// `fetch()` returned and the app passes on is the upstream's: its `Connection: close` was
// about the upstream's connection, not the client's, and is left out too.
import { connectionTokens, endToEnd, isHopByHop } from '../core/hop-by-hop.ts'

/** How the answer goes out, for answerFields. */
export interface AnswerLink {
  http2: boolean
  /** The client asked to close (Node's `!res.shouldKeepAlive`). */
  clientCloses: boolean
  /** The fields are a `fetch()` Response's, passed on: its close was the upstream's. */
  fetched: boolean
}

/** `flat` as `[name, value, …]`; the same array if it names no connection-specific field. */
export function answerFields(flat: string[], status: number, link: AnswerLink): string[] {
  let hop = false
  for (let i = 0; i < flat.length && !hop; i += 2) hop = isHopByHop(flat[i])
  if (!hop) return flat
  let close = link.clientCloses
  let chunked = false
  const upgrades: string[] = []
  for (let i = 0; i < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase()
    const value = flat[i + 1] as string
    if (name === 'transfer-encoding') chunked = true
    else if (name === 'connection' && !link.fetched) {
      close ||= connectionTokens(value)?.has('close') === true
    } else if (name === 'upgrade' && status === 426) upgrades.push(value)
  }
  const fields = chunked ? withoutLength(endToEnd(flat)) : endToEnd(flat)
  if (link.http2) return fields
  const tokens: string[] = close ? ['close'] : []
  if (upgrades.length > 0) tokens.push('upgrade')
  for (const value of upgrades) fields.push('upgrade', value)
  if (tokens.length > 0) fields.push('connection', tokens.join(', '))
  return fields
}

function withoutLength(flat: string[]): string[] {
  return flat.filter((_, k) => (flat[k - (k % 2)] as string).toLowerCase() !== 'content-length')
}

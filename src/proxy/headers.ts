// What crosses a proxy, both ways. RFC 9110 §7.6.1: connection-specific fields, and any the
// Connection field names, are for one hop only; the forwarding fields are switchyard's to
// state (a client's own are passed on only from a trusted proxy); Host is the upstream's
// unless preserved. `expect` is answered here (Node sends 100 Continue itself).
import type { IncomingHttpHeaders } from 'node:http'
import { connectionTokens, HOP_BY_HOP } from '../core/hop-by-hop.ts'
import type { ProxiedRequest } from '../core/leaf-kinds.ts'

// Set by the proxy from the request it routed, never copied.
const STATED = new Set([
  'host',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-prefix',
])

// Other fields that say who the client is, which apps trust behind a proxy (RFC 7239's
// Forwarded, nginx's X-Real-IP): a client's own would be taken for the proxy's word, so
// they pass on only from a trusted proxy.
const CLAIMED = new Set(['forwarded', 'x-real-ip'])

/** How the forwarded request names its origin. */
export interface Forwarding {
  /** The Host the upstream gets when the client's is not preserved. */
  readonly upstreamHost: string
  readonly preserveHost: boolean
}

/** What the client's request says of itself, read by the entry that received it. */
export interface Sent {
  /** The authority the client sent (with its port), as validated at the entry. */
  host: string
  /** The client's address, if known. */
  address: string | undefined
  encrypted: boolean
}

/**
 * The request's header list for the upstream, flat (`[name, value, …]`, as undici takes it),
 * from a raw list in the same form; `upgrade` keeps Connection/Upgrade for a WebSocket.
 */
export function forwardHeaders(
  raw: readonly string[],
  ctx: ProxiedRequest,
  sent: Sent,
  to: Forwarding,
  upgrade = false,
): string[] {
  let named: Set<string> | undefined
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === 'connection') {
      named = connectionTokens(raw[i + 1])
      break
    }
  }
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    const lower = name.toLowerCase()
    if (lower.charCodeAt(0) === 58 /* : HTTP/2 pseudo-header */) continue
    if (HOP_BY_HOP.has(lower) || STATED.has(lower)) continue
    if (named?.has(lower) === true) continue
    if (!ctx.trustProxy && CLAIMED.has(lower)) continue
    out.push(name, raw[i + 1] as string)
  }
  if (upgrade) {
    const protocol = fieldOf(raw, 'upgrade')
    if (protocol !== undefined) out.push('connection', 'upgrade', 'upgrade', protocol)
  }
  out.push('host', to.preserveHost ? sent.host : to.upstreamHost)
  const trusted = ctx.trustProxy
  const sentFor = trusted ? ctx.header('x-forwarded-for') : undefined
  if (sent.address !== undefined) {
    out.push(
      'x-forwarded-for',
      sentFor === undefined ? sent.address : `${sentFor}, ${sent.address}`,
    )
  } else if (sentFor !== undefined) out.push('x-forwarded-for', sentFor)
  const sentProto = trusted ? ctx.header('x-forwarded-proto') : undefined
  out.push('x-forwarded-proto', sentProto ?? (sent.encrypted ? 'https' : 'http'))
  out.push('x-forwarded-host', sent.host)
  const prefix = ctx.basePath !== '' ? ctx.forwardedPrefix(ctx.basePath) : rootPrefix(ctx)
  if (prefix !== undefined) out.push('x-forwarded-prefix', prefix)
  return out
}

// At the root, a trusted proxy's prefix passes on when it is a same-origin path.
function rootPrefix(ctx: ProxiedRequest): string | undefined {
  return ctx.trustProxy ? ctx.forwardedPrefix('') || undefined : undefined
}

function fieldOf(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === name) return raw[i + 1]
  }
  return undefined
}

/** A Fetch Request's headers as a flat list (names lower-case; Set-Cookie never sent). */
export function flatHeaders(headers: Headers): string[] {
  const out: string[] = []
  headers.forEach((value, name) => {
    out.push(name, value)
  })
  return out
}

/** The upstream response's fields for the client, without its hop-by-hop ones. */
export function responseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = connectionTokens(headers.connection)
  const out: IncomingHttpHeaders = {}
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || named?.has(name) === true) continue
    out[name] = headers[name]
  }
  return out
}

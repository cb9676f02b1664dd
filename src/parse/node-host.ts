// Which host a Node request (HTTP/1.1 or HTTP/2) names. Pure: reads the header objects only.
import { BadHost, parseHost } from './host.ts'

type Headers = Record<string, string | string[] | undefined>

const REPEATED = Object.freeze(new BadHost('Repeated Host header'))
const DISAGREE = Object.freeze(
  new BadHost('The Host header names another host than :authority (RFC 9113 §8.3.1)'),
)

/**
 * The authority as received: HTTP/2's `:authority` when present (a `host` field naming
 * another host is refused), else the Host field. Node keeps the first of repeated Host
 * fields where RFC 9112 §3.2 asks for a 400, so repeats are refused here.
 */
export function nodeHost(headers: Headers, rawHeaders: string[]): string | undefined | BadHost {
  const host = headers.host as string | undefined
  const authority = headers[':authority'] as string | undefined
  if (authority !== undefined) {
    if (host !== undefined && host !== authority && parseHost(host) !== parseHost(authority)) {
      return DISAGREE
    }
    return authority
  }
  if (host !== undefined && rawHeaders.length > 2 && repeatsHost(rawHeaders)) return REPEATED
  return host
}

function repeatsHost(raw: string[]): boolean {
  let seen = false
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (seen) return true
      seen = true
    }
  }
  return false
}

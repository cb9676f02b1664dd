// Which host a Node request (HTTP/1.1 or HTTP/2) names. Pure: reads the header objects only.
import { BadHost, parseHost } from './host.ts'
import { absolutePathStart } from './path.ts'

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
    if (isHostName(raw[i] as string)) {
      if (seen) return true
      seen = true
    }
  }
  return false
}

// `host` in any case, without a lower-cased copy of every header name of every request.
function isHostName(name: string): boolean {
  return (
    name.length === 4 &&
    (name.charCodeAt(0) | 32) === 104 &&
    (name.charCodeAt(1) | 32) === 111 &&
    (name.charCodeAt(2) | 32) === 115 &&
    (name.charCodeAt(3) | 32) === 116
  )
}

const USERINFO = Object.freeze(new BadHost('Userinfo in the request target'))
const OTHER_HOST = Object.freeze(
  new BadHost('The request target names another host than the Host header'),
)

/**
 * An absolute-form target (`GET http://a.example.com/ HTTP/1.1`) names its own authority.
 * Dispatching on one host while the app (or a proxy in front) reads another could cross
 * tenants, so the two must agree; userinfo is refused outright. `undefined` when they agree.
 */
export function checkTargetAuthority(
  target: string,
  host: string | undefined,
): BadHost | undefined {
  const authority = target.slice(target.indexOf('//') + 2, absolutePathStart(target))
  if (authority.includes('@')) return USERINFO
  const named = parseHost(authority)
  if (named instanceof BadHost) return new BadHost(`Request target: ${named.message}`)
  const sent = parseHost(host)
  return sent instanceof BadHost || sent !== named ? OTHER_HOST : undefined
}

// Host header parsing (DESIGN.md §3 "Hosts"). Pure functions on the hot path: one pass over
// char codes, and an already lower-case name without a port is returned as the input itself.

/** Why a Host header was refused; becomes a 400. Not an Error: it is cheap and never thrown. */
export class BadHost {
  constructor(readonly message: string) {}
}

const DOT = 46
const COLON = 58
const MAX_NAME = 253
const MAX_LABEL = 63

// Character classes for host names: 1 = allowed as is, 2 = upper-case letter, 0 = invalid.
const NAME = new Uint8Array(128)
for (let c = 48; c <= 57; c++) NAME[c] = 1
for (let c = 97; c <= 122; c++) NAME[c] = 1
for (let c = 65; c <= 90; c++) NAME[c] = 2
NAME[45] = 1 // -
NAME[95] = 1 // _

// Shared answers for the common failures, so refusing garbage does not allocate either.
const bad = (message: string) => Object.freeze(new BadHost(message))
const MISSING = bad('Missing Host header')
const EMPTY = bad('Empty Host header')
const NO_NAME = bad('Missing host name in Host header')
const EMPTY_LABEL = bad('Empty label in Host header')
const LONG_LABEL = bad(`Host name label longer than ${MAX_LABEL} characters`)
const LONG_NAME = bad(`Host name longer than ${MAX_NAME} characters`)
const BAD_PORT = bad('Invalid port in Host header')
const BAD_IPV6 = bad('Invalid IPv6 literal in Host header')
const UNBRACKETED = bad('Invalid IPv6 literal in Host header (brackets required)')
const USERINFO = bad('Userinfo (user@) not allowed in Host header')

/**
 * Parses a `Host` / `:authority` / `X-Forwarded-Host` value into a normalized host name:
 * lower-cased, port and one trailing dot removed; `[::1]:8080` gives `[::1]`.
 */
export function parseHost(value: string | undefined): string | BadHost {
  // Most requests to a server name the host the one before named: compared whole (a few
  // nanoseconds, less when they differ), it is not checked again, nor a port cut off again.
  if (value === lastValue) return lastHost
  const host = parseAny(value)
  if (typeof host === 'string') {
    lastValue = value as string
    lastHost = host
  }
  return host
}

// The last valid value parseHost saw, and its host (to begin with, one it would give).
let lastValue = 'localhost'
let lastHost = 'localhost'

function parseAny(value: string | undefined): string | BadHost {
  if (value === undefined) return MISSING
  const len = value.length
  if (len === 0) return EMPTY
  if (value.charCodeAt(0) === 91 /* [ */) return parseIPv6(value)
  let upper = false
  let labelStart = 0
  let i = 0
  for (; i < len; i++) {
    const c = value.charCodeAt(i)
    const k = c < 128 ? NAME[c] : 0
    if (k === 1) continue
    if (k === 2) upper = true
    else if (c === DOT) {
      if (i === labelStart) return EMPTY_LABEL
      if (i - labelStart > MAX_LABEL) return LONG_LABEL
      labelStart = i + 1
    } else if (c === COLON) break
    else return c === 64 /* @ */ ? USERINFO : invalidChar(c)
  }
  if (i < len && !validPort(value, i + 1)) return portProblem(value.slice(i + 1))
  let end = i
  if (end === labelStart) {
    // The last label is empty: either there is no name at all or it ends in a dot, whose
    // preceding label was already checked to be non-empty.
    if (end === 0) return NO_NAME
    end--
  } else if (end - labelStart > MAX_LABEL) return LONG_LABEL
  if (end > MAX_NAME) return LONG_NAME
  if (upper) return value.slice(0, end).toLowerCase()
  return end === len ? value : value.slice(0, end)
}

function invalidChar(c: number): BadHost {
  // JSON.stringify escapes control characters, so the message is safe to echo in a 400 body.
  return new BadHost(`Invalid character ${JSON.stringify(String.fromCharCode(c))} in Host header`)
}

function portProblem(port: string): BadHost {
  if (port.includes('@')) return USERINFO
  return port.includes(':') ? UNBRACKETED : BAD_PORT
}

/** 1 to 5 digits from `start` to the end, at most 65535. */
function validPort(s: string, start: number): boolean {
  const n = s.length - start
  if (n < 1 || n > 5) return false
  let port = 0
  for (let i = start; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return false
    port = port * 10 + d
  }
  return port <= 65535
}

// Rare path: bracketed literals may be slower, but must be strict (no zone ids, no garbage).
function parseIPv6(value: string): string | BadHost {
  const close = value.indexOf(']')
  if (close < 0 || !validIPv6(value, 1, close)) return BAD_IPV6
  if (close + 1 < value.length) {
    if (value.charCodeAt(close + 1) !== COLON) return BAD_IPV6
    if (!validPort(value, close + 2)) return BAD_PORT
  }
  return (close + 1 === value.length ? value : value.slice(0, close + 1)).toLowerCase()
}

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)

/** RFC 4291 text form in s[i, end): 1–4 hex digit groups, one `::` at most, IPv4 tail. */
function validIPv6(s: string, i: number, end: number): boolean {
  let groups = 0
  let elided = false
  if (s.charCodeAt(i) === COLON) {
    if (s.charCodeAt(i + 1) !== COLON) return false
    elided = true
    i += 2
    if (i === end) return true // `::`
  }
  for (;;) {
    let j = i
    while (j < end && isHex(s.charCodeAt(j))) j++
    if (j < end && s.charCodeAt(j) === DOT) {
      if (!validIPv4(s, i, end)) return false
      groups += 2
      break
    }
    if (j === i || j - i > 4) return false
    groups++
    if (j === end) break
    if (s.charCodeAt(j) !== COLON || ++j === end) return false
    if (s.charCodeAt(j) === COLON) {
      if (elided) return false
      elided = true
      if (++j === end) break
    }
    i = j
  }
  return elided ? groups <= 7 : groups === 8
}

/** Dotted quad in s[i, end). */
function validIPv4(s: string, i: number, end: number): boolean {
  for (let parts = 1; ; parts++) {
    let n = 0
    const start = i
    while (i < end) {
      const d = s.charCodeAt(i) - 48
      if (d < 0 || d > 9) break
      n = n * 10 + d
      i++
    }
    if (i === start || i - start > 3 || n > 255) return false
    // RFC 3986 dec-octet: no leading zeros (`02` could be read as octal elsewhere).
    if (i - start > 1 && s.charCodeAt(start) === 48) return false
    if (i === end) return parts === 4
    if (s.charCodeAt(i) !== DOT || parts === 4) return false
    i++
  }
}

/**
 * The host to use from `X-Forwarded-Host` (trusted proxies only): the last element of a list,
 * the one the nearest proxy added. `undefined` if absent or blank; an empty last element
 * (`a, `) gives `''`, which `parseHost` refuses, rather than falling back to `Host`.
 */
export function forwardedHost(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const comma = value.lastIndexOf(',')
  if (comma < 0) return value.trim() || undefined
  return value.slice(comma + 1).trim()
}

/**
 * The labels of `host` in front of `domain` (`a.b` for `a.b.example.com`), `''` for the apex,
 * `undefined` if `host` is not on label boundaries under `domain` (`evilexample.com`).
 */
export function subdomainOf(host: string, domain: string): string | undefined {
  if (host.length === domain.length) return host === domain ? '' : undefined
  const cut = host.length - domain.length - 1
  if (cut < 1 || host.charCodeAt(cut) !== DOT || !host.endsWith(domain)) return undefined
  return host.slice(0, cut)
}

/**
 * Normalizes a configured domain like `parseHost` (no port allowed); throws a `TypeError`
 * `${context}: invalid ${what} "…": problem` at build time.
 */
export function normalizeDomain(domain: string, context: string, what = 'domain'): string {
  const host = domain === '' ? undefined : parseHost(domain)
  let problem: string | undefined
  if (host === undefined) problem = 'empty'
  else if (host instanceof BadHost) {
    const m = host.message.replace(' in Host header', '')
    problem = m.charAt(0).toLowerCase() + m.slice(1)
  } else if (domain.charCodeAt(0) === 91 ? !domain.endsWith(']') : domain.includes(':')) {
    problem = 'a port is not allowed'
  }
  if (problem === undefined) return host as string
  throw new TypeError(`${context}: invalid ${what} ${JSON.stringify(domain)}: ${problem}`)
}

// Request-target parsing and RFC 3986 §6.2.2 path normalization. Pure functions.

/** A request target split into its normalized path and its raw query (with the `?`, or ''). */
export interface Target {
  path: string
  query: string
  /** The target is exactly `path + query`: nothing was normalized away. */
  exact: boolean
}

/** Why a request target was refused; becomes a 400. Not an Error: it is cheap and never thrown. */
export class BadPath {
  constructor(readonly message: string) {}
}

// An escape, a backslash, '//' or a dot-segment means the slow path; anything else is normal.
const NEEDS_WORK = /[%\\]|\/\/|\/\.\.?(?:\/|$)/

/**
 * The fast path of {@link parseTarget}: for an origin-form target that is already normal
 * (no escape, backslash, `//`, dot-segment or fragment), where its query starts (or its
 * length); else -1. One pass over the characters, no allocation.
 */
export function normalQueryStart(target: string): number {
  const length = target.length
  if (target.charCodeAt(0) !== 47) return -1
  for (let i = 0; i < length; i++) {
    const c = target.charCodeAt(i)
    if (c === 63 /* ? */) return target.includes('#', i) ? -1 : i
    if (c === 37 /* % */ || c === 92 /* \ */ || c === 35 /* # */) return -1
    if (c === 47 /* / */) {
      const next = target.charCodeAt(i + 1)
      if (next === 47) return -1
      if (next === 46 /* . */) {
        let after = target.charCodeAt(i + 2)
        if (after === 46) after = target.charCodeAt(i + 3)
        // `/.` or `/..` followed by the end, `/`, `?` or `#` is a dot-segment.
        if (Number.isNaN(after) || after === 47 || after === 63 || after === 35) return -1
      }
    }
  }
  return length
}

/**
 * Where the path of a WHATWG-serialized absolute URL (`Request.url`) starts: the first `/`
 * after the authority, which such URLs always have.
 */
export function urlPathStart(url: string): number {
  return url.indexOf('/', url.indexOf('//') + 2)
}

/**
 * Splits an origin-form (`/a/b?q`) or absolute-form (`http://h/a/b?q`) target.
 * The path is normalized; the query string is passed on untouched.
 */
export function parseTarget(target: string): Target | BadPath {
  let start = 0
  if (target.charCodeAt(0) !== 47 /* / */) {
    start = absolutePathStart(target)
    if (start < 0) return new BadPath(`Unsupported request target "${clip(target)}"`)
  }
  const q = target.indexOf('?', start)
  let end = q < 0 ? target.length : q
  const hash = target.indexOf('#', start)
  if (hash >= 0 && hash < end) end = hash
  const raw = start === 0 && end === target.length ? target : target.slice(start, end)
  const query = q < 0 ? '' : target.slice(q, hash > q ? hash : target.length)
  const path = normalizePath(raw)
  if (path instanceof BadPath) return path
  return { path, query, exact: path === raw && start === 0 && hash < 0 }
}

/** Where the path of an absolute-form target starts, or -1 if it is not one. */
export function absolutePathStart(target: string): number {
  const scheme = target.startsWith('http://') ? 7 : target.startsWith('https://') ? 8 : -1
  if (scheme < 0) return -1
  // The path ends the authority; `http://host` and `http://host?q` have an empty path (`/`).
  for (let i = scheme; i < target.length; i++) {
    const c = target.charCodeAt(i)
    if (c === 47 || c === 63 || c === 35) return i
  }
  return target.length
}

/**
 * Normalizes an absolute path: percent-encoded unreserved characters are decoded, other
 * escapes upper-cased, dot-segments removed and repeated slashes merged (so a rest never
 * starts with `//`). `%2F` stays encoded and is never a separator. Returns the input
 * itself when there is nothing to do.
 */
export function normalizePath(path: string): string | BadPath {
  if (path === '') return '/'
  if (path.charCodeAt(0) !== 47) return new BadPath(`Path must start with "/": "${clip(path)}"`)
  if (!NEEDS_WORK.test(path)) return path
  if (path.includes('\\')) return new BadPath('Backslash in request path')
  const decoded = path.includes('%') ? decodeUnreserved(path) : path
  if (decoded instanceof BadPath) return decoded
  return removeDotSegments(decoded)
}

// RFC 3986 §5.2.4 on the segments as they are (`/a//../b` is `/a/b`, as in WHATWG URL),
// then repeated slashes merged.
function removeDotSegments(path: string): string {
  const segments = path.split('/')
  const out: string[] = []
  // The first element is the empty string before the leading '/'.
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] as string
    const last = i === segments.length - 1
    if (segment === '..') {
      out.pop()
      if (last) out.push('')
    } else if (segment === '.') {
      if (last) out.push('')
    } else {
      out.push(segment)
    }
  }
  const joined = `/${out.join('/')}`
  return joined.includes('//') ? joined.replace(/\/{2,}/g, '/') : joined
}

function decodeUnreserved(path: string): string | BadPath {
  let out = ''
  let from = 0
  for (let i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 3)) {
    const hi = hexValue(path.charCodeAt(i + 1))
    const lo = hexValue(path.charCodeAt(i + 2))
    if (hi < 0 || lo < 0) return new BadPath(`Invalid percent-encoding in path: "${clip(path)}"`)
    const code = hi * 16 + lo
    out += path.slice(from, i)
    out += isUnreserved(code) ? String.fromCharCode(code) : path.slice(i, i + 3).toUpperCase()
    from = i + 3
  }
  return out + path.slice(from)
}

/**
 * The path as an app that percent-decodes it before use reads it: every escape decoded,
 * one character per byte (so UTF-8 sequences compare as their bytes and an overlong
 * `%C0%AF` is no slash), `%5C` read as `/` (Windows file servers split on a backslash), then
 * dot-segments removed and slashes merged again: `..%2F` is `../` once decoded. Takes a
 * normalized path (every `%` starts an escape); without `%` that is the path itself.
 */
export function decodedPath(path: string): string {
  return path.includes('%') ? removeDotSegments(decodeAll(path)) : path
}

// Every escape decoded, one character per byte, `%5C` as `/`; a broken escape stays as is.
function decodeAll(path: string): string {
  let out = ''
  let from = 0
  for (let i = path.indexOf('%'); i >= 0; i = path.indexOf('%', from)) {
    const hi = hexValue(path.charCodeAt(i + 1))
    const lo = hexValue(path.charCodeAt(i + 2))
    if (hi < 0 || lo < 0) {
      out += path.slice(from, i + 1)
      from = i + 1
      continue
    }
    const code = hi * 16 + lo
    out += path.slice(from, i) + (code === 0x5c ? '/' : String.fromCharCode(code))
    from = i + 3
  }
  return out + path.slice(from)
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 65 && c <= 70) return c - 55
  if (c >= 97 && c <= 102) return c - 87
  return -1
}

// RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~"
function isUnreserved(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 45 ||
    c === 46 ||
    c === 95 ||
    c === 126
  )
}

/**
 * If `path` lies under `prefix` at a segment boundary, returns the rest (`/` for an exact
 * hit), else undefined. Both are normalized; `prefix` has no trailing slash.
 */
export function restUnder(path: string, prefix: string): string | undefined {
  if (!path.startsWith(prefix)) return undefined
  if (path.length === prefix.length) return '/'
  return path.charCodeAt(prefix.length) === 47 ? path.slice(prefix.length) : undefined
}

/**
 * Validates a mount prefix given in configuration and returns its canonical form
 * (normalized, no trailing slash, non-ASCII characters percent-encoded as UTF-8 with
 * upper-case hex, as browsers send them). Throws a TypeError naming the problem.
 */
export function canonicalPrefix(prefix: unknown, context: string): string {
  if (typeof prefix !== 'string' || prefix.charCodeAt(0) !== 47) {
    throw new TypeError(
      `${context}: mount prefix must be a string starting with "/", got ${String(prefix)}`,
    )
  }
  if (/[?#\s]/.test(prefix)) {
    throw new TypeError(`${context}: mount prefix "${prefix}" must not contain "?", "#" or spaces`)
  }
  const encoded = encodeNonAscii(prefix, context)
  const trimmed = encoded.length > 1 && encoded.endsWith('/') ? encoded.slice(0, -1) : encoded
  const normal = normalizePath(trimmed)
  if (normal instanceof BadPath || normal !== trimmed) {
    const why = normal instanceof BadPath ? normal.message : `write it as "${normal}"`
    throw new TypeError(`${context}: mount prefix "${prefix}" is not a normalized path (${why})`)
  }
  if (trimmed === '/') {
    throw new TypeError(
      `${context}: "/" cannot be a mount prefix; pass that app as the default app`,
    )
  }
  // An app that decodes the path must read the prefix as the same segments: `/a%2Fb` is
  // `/a/b` to it, but `/a/%2F` (`/a//`) or `/x%2F..` (`/x/..`) are no prefix at all. So
  // decodedPath() of a prefix this returns is it decoded, with nothing removed or merged.
  const decoded = decodeAll(trimmed)
  if (decoded.endsWith('/') || removeDotSegments(decoded) !== decoded) {
    throw new TypeError(
      `${context}: mount prefix "${prefix}" has an escaped "/" or "\\" that makes an empty or dot segment once decoded ("${decoded}")`,
    )
  }
  return trimmed
}

// Non-ASCII characters as UTF-8 escapes (`é` is `%C3%A9`); a lone surrogate has no UTF-8.
function encodeNonAscii(prefix: string, context: string): string {
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(prefix)
  if (lone === null) return prefix.replace(/[\u0080-\uffff]+/g, encodeURIComponent)
  const code = lone[0].charCodeAt(0).toString(16).toUpperCase()
  throw new TypeError(
    `${context}: mount prefix ${JSON.stringify(prefix)} has a lone surrogate (U+${code} at index ${lone.index}), which no URL can carry; is the string cut in the middle of a character?`,
  )
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}...` : s
}

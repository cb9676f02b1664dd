// The per-request state that dispatchers read and update while resolving.
import type { IncomingMessage } from 'node:http'
import { BadHost, forwardedHost, parseHost } from '../parse/host.ts'
import {
  absolutePathStart,
  BadPath,
  normalQueryStart,
  parseTarget,
  urlPathStart,
} from '../parse/path.ts'
import { HttpError } from './errors.ts'

/** The read-only view of a request that key functions (`lazy`) get. */
export interface RequestView {
  readonly method: string
  /** The path still to be dispatched (normalized). */
  readonly path: string
  /**
   * The normalized host name (lower-case, no port, no trailing dot; `[::1]` for IPv6),
   * from X-Forwarded-Host when the proxy is trusted, else Host or `:authority`. Reading it
   * for a malformed host ends the request with 400.
   */
  readonly host: string
  /** A request header (case-insensitive name); repeated headers are joined with ", ". */
  header(name: string): string | undefined
}

/** A lease on a lazily created instance, released when the response ends. */
export interface Release {
  release(): void
}

export abstract class DispatchContext implements RequestView {
  abstract readonly method: string
  /** The path still to dispatch; for the leaf, WSGI's PATH_INFO. */
  path: string
  /** What dispatchers have consumed; WSGI's SCRIPT_NAME. */
  basePath = ''
  params: Record<string, string> | undefined = undefined
  key: string | undefined = undefined
  /** Leases to release when the response ends (lazily created instances). */
  leases: Release[] | undefined = undefined
  readonly query: string
  /** The target was already normal: a leaf at the root can get it untouched. */
  readonly exact: boolean
  readonly originalUrl: string
  readonly trustProxy: boolean

  constructor(target: string, trustProxy: boolean, originalUrl = target) {
    this.originalUrl = originalUrl
    this.trustProxy = trustProxy
    const q = normalQueryStart(target)
    if (q >= 0) {
      this.path = q === target.length ? target : target.slice(0, q)
      this.query = q === target.length ? '' : target.slice(q)
      this.exact = true
      return
    }
    const parsed = parseTarget(target)
    if (parsed instanceof BadPath) throw new HttpError(400, parsed.message)
    this.path = parsed.path
    this.query = parsed.query
    this.exact = parsed.exact
  }

  #host: string | undefined = undefined

  abstract header(name: string): string | undefined
  /** The Host the request was sent to, as received (Host, `:authority` or the URL's). */
  protected abstract rawHost(): string | undefined

  get host(): string {
    if (this.#host !== undefined) return this.#host
    const raw = this.trustProxy
      ? (forwardedHost(this.header('x-forwarded-host')) ?? this.rawHost())
      : this.rawHost()
    const host = parseHost(raw)
    if (host instanceof BadHost) throw new HttpError(400, host.message)
    this.#host = host
    return host
  }

  /** The prefix announced to the leaf in X-Forwarded-Prefix. */
  forwardedPrefix(base: string): string {
    const sent = this.trustProxy ? this.header('x-forwarded-prefix') : undefined
    return sent ? sent.replace(/\/+$/, '') + base : base
  }

  release(): void {
    const leases = this.leases
    if (leases === undefined) return
    this.leases = undefined
    for (const lease of leases) lease.release()
  }
}

export class NodeContext extends DispatchContext {
  readonly req: IncomingMessage

  constructor(req: IncomingMessage, trustProxy: boolean) {
    // Inside an outer Express app, originalUrl is already set and wins.
    const url = req.url ?? '/'
    super(url, trustProxy, (req as { originalUrl?: string }).originalUrl ?? url)
    this.req = req
    if (url.charCodeAt(0) !== 47) checkAuthority(url, req.headers.host)
  }

  get method(): string {
    return this.req.method ?? 'GET'
  }

  protected rawHost(): string | undefined {
    const headers = this.req.headers
    // Node keeps the first of repeated Host fields; RFC 9112 §3.2 asks for a 400.
    const raw = this.req.rawHeaders
    if (headers.host !== undefined && raw.length > 2 && repeatsHost(raw)) {
      throw new HttpError(400, 'Repeated Host header')
    }
    return headers.host ?? (headers[':authority'] as string | undefined)
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()]
    return Array.isArray(value) ? value.join(', ') : value
  }
}

export class FetchContext extends DispatchContext {
  readonly request: Request

  constructor(request: Request, trustProxy: boolean) {
    const url = request.url
    super(url.slice(urlPathStart(url)), trustProxy)
    this.request = request
  }

  get method(): string {
    return this.request.method
  }

  // The runtime derived the URL from the request's authority; WHATWG already normalized it.
  protected rawHost(): string | undefined {
    const url = this.request.url
    return url.slice(url.indexOf('//') + 2, urlPathStart(url))
  }

  header(name: string): string | undefined {
    return this.request.headers.get(name) ?? undefined
  }
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

/**
 * An absolute-form target (`GET http://a.example.com/ HTTP/1.1`) names its own authority.
 * Dispatching on one host while the app reads another could cross tenants, so the two must
 * agree; userinfo is refused outright.
 */
function checkAuthority(target: string, host: string | undefined): void {
  // Only called for targets parseTarget accepted, so the scheme is http(s).
  const authority = target.slice(target.indexOf('//') + 2, absolutePathStart(target))
  if (authority.includes('@')) throw new HttpError(400, 'Userinfo in the request target')
  const named = parseHost(authority)
  if (named instanceof BadHost) throw new HttpError(400, `Request target: ${named.message}`)
  const sent = parseHost(host)
  if (sent instanceof BadHost || sent !== named) {
    throw new HttpError(400, 'The request target names another host than the Host header')
  }
}

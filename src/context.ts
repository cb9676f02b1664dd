// The per-request state that dispatchers read and update while resolving.
import type { IncomingMessage } from 'node:http'
import { HttpError } from './errors.ts'
import { BadPath, parseTarget } from './path.ts'

/** The read-only view of a request that key functions (`lazy`) get. */
export interface RequestView {
  readonly method: string
  /** The path still to be dispatched (normalized). */
  readonly path: string
  /** The raw Host (or `:authority`) header value. */
  readonly host: string | undefined
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
    const parsed = parseTarget(target)
    if (parsed instanceof BadPath) throw new HttpError(400, parsed.message)
    this.path = parsed.path
    this.query = parsed.query
    this.exact = parsed.exact
    this.originalUrl = originalUrl
    this.trustProxy = trustProxy
  }

  abstract header(name: string): string | undefined
  abstract get host(): string | undefined

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
  }

  get method(): string {
    return this.req.method ?? 'GET'
  }

  get host(): string | undefined {
    return this.req.headers.host
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
    // Request URLs are absolute and serialized by WHATWG URL: the path starts at the
    // first '/' after the authority.
    super(url.slice(url.indexOf('/', url.indexOf('//') + 2)), trustProxy)
    this.request = request
  }

  get method(): string {
    return this.request.method
  }

  get host(): string | undefined {
    return this.request.headers.get('host') ?? new URL(this.request.url).host
  }

  header(name: string): string | undefined {
    return this.request.headers.get(name) ?? undefined
  }
}

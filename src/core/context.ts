// The per-request state that dispatchers read and update while resolving, and that the
// leaf's request carries (mountInfo). One context per request, created by its entry.
import { BadHost, forwardedHost, parseHost } from '../parse/host.ts'
import { BadPath, normalQueryStart, parseTarget } from '../parse/path.ts'
import { HttpError } from './errors.ts'
import type { Leaf } from './leaf-kinds.ts'
import { Trail } from './stats.ts'
import type { RequestView } from './types.ts'

/** A lease on a lazily created instance, released when the response ends. */
export interface Release {
  release(): void
}

/** A request's dispatch; as a Trail, the dispatchers it passed, to count its status on. */
export abstract class DispatchContext extends Trail implements RequestView {
  abstract readonly method: string
  /** The path still to dispatch; for the leaf, WSGI's PATH_INFO. */
  path: string
  /** What dispatchers have consumed; WSGI's SCRIPT_NAME. */
  basePath = ''
  params: Record<string, string> | undefined = undefined
  key: string | undefined = undefined
  /** The leaf the request resolved to. */
  leaf: Leaf | undefined = undefined
  /** The dispatch of an outer switchyard entry whose leaf this request came through. */
  outer: DispatchContext | undefined = undefined
  /** A failure of this request was reported: the funnel reports once per request. */
  reported = false
  readonly query: string
  /** The target was already normal: a leaf at the root can get it untouched. */
  readonly exact: boolean
  readonly originalUrl: string
  readonly trustProxy: boolean
  #host: string | undefined = undefined
  /** The X-Forwarded-Host value the host was read from (trusted proxies only). */
  #forwarded: string | undefined = undefined

  constructor(target: string, trustProxy: boolean, originalUrl = target) {
    super()
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

  /** The entry counts the answer it makes (the Fetch entry: its Response's status). */
  get countsAtEntry(): boolean {
    return false
  }

  abstract header(name: string): string | undefined
  /** The Host the request was sent to, as received (`:authority`, Host or the URL's). */
  protected abstract rawHost(): string | undefined

  /** The normalized host; a malformed one throws a 400 (entries read it first thing). */
  get host(): string {
    if (this.#host !== undefined) return this.#host
    let raw: string | undefined
    if (this.trustProxy) {
      this.#forwarded = forwardedHost(this.header('x-forwarded-host'))
      raw = this.#forwarded ?? this.rawHost()
    } else raw = this.rawHost()
    const host = parseHost(raw)
    if (host instanceof BadHost) throw new HttpError(400, host.message)
    this.#host = host
    return host
  }

  /**
   * The X-Forwarded-Host the leaf gets: exactly the one value the request was routed on
   * (frameworks with `trust proxy` read the first of a list, switchyard the last), or
   * none: without a trusted proxy a client-sent one is dropped.
   */
  get forwardedHost(): string | undefined {
    return this.#forwarded
  }

  /** The prefix announced to the leaf in X-Forwarded-Prefix. */
  forwardedPrefix(base: string): string {
    const sent = this.trustProxy ? this.header('x-forwarded-prefix') : undefined
    return sent !== undefined && isSameOriginPath(sent) ? sent.replace(/\/+$/, '') + base : base
  }

  /** The first lease on a lazily created instance (most requests hold one at most). */
  #lease: Release | undefined = undefined
  /** Leases of nested lazy dispatchers after the first. */
  #moreLeases: Release[] | undefined = undefined
  #holds = 0
  #releaseWhenFree = false

  /** Whether the request holds a lease, to release when its response ends. */
  get leased(): boolean {
    return this.#lease !== undefined
  }

  /** Holds `lease` until the response ends: release() releases it once. */
  lease(lease: Release): void {
    if (this.#lease === undefined) this.#lease = lease
    else if (this.#moreLeases === undefined) this.#moreLeases = [lease]
    else this.#moreLeases.push(lease)
  }

  /**
   * Keeps the leases while the app's own promise runs: a response can end (a client gone, a
   * timeout answered) while the app still works in its instance, which must not be
   * disposed under it. Every hold() is followed by one unhold().
   */
  hold(): void {
    this.#holds++
  }

  unhold(): void {
    if (--this.#holds === 0 && this.#releaseWhenFree) this.release()
  }

  /** Releases every lease once; while held, once the last hold ends. */
  release(): void {
    if (this.#holds > 0) {
      this.#releaseWhenFree = true
      return
    }
    const first = this.#lease
    if (first === undefined) return
    const more = this.#moreLeases
    this.#lease = this.#moreLeases = undefined
    first.release()
    if (more !== undefined) for (const lease of more) lease.release()
  }
}

// A proxy's prefix is used only as a same-origin absolute path: one leading `/`, no `\`,
// no control characters (so no `//evil.com`, `/\evil.com` or `https://evil.com`), and one
// value, not a list (`/app, //evil.com` from two proxies or two fields is ignored whole).
function isSameOriginPath(value: string): boolean {
  if (value.charCodeAt(0) !== 47 || value.charCodeAt(1) === 47 || value.charCodeAt(1) === 92) {
    return false
  }
  for (let i = 1; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 32 || c === 127 || c === 92 || c === 44) return false
  }
  return true
}

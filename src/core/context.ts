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

const EXACT = 1
const TRUST_PROXY = 2

/**
 * What few requests need (a nested entry, a failure, captures, a trusted X-Forwarded-Host,
 * more than one lease, an app's promise holding the leases): made on first use, so the
 * context every request allocates stays small.
 */
class Rare {
  outer: DispatchContext | undefined = undefined
  reported = false
  params: Record<string, string> | undefined = undefined
  forwarded: string | undefined = undefined
  moreLeases: Release[] | undefined = undefined
  holds = 0
  releaseWhenFree = false
}

/** A request's dispatch; as a Trail, the dispatchers it passed, to count its status on. */
export abstract class DispatchContext extends Trail implements RequestView {
  abstract readonly method: string
  /** The path still to dispatch; for the leaf, WSGI's PATH_INFO. */
  path: string
  /** What dispatchers have consumed; WSGI's SCRIPT_NAME. */
  basePath = ''
  readonly query: string
  readonly originalUrl: string
  key: string | undefined = undefined
  /** The leaf the request resolved to. */
  leaf: Leaf | undefined = undefined
  #flags: number
  #host: string | undefined = undefined
  /** The first lease on a lazily created instance (most requests hold one at most). */
  #lease: Release | undefined = undefined
  #rare: Rare | undefined = undefined

  constructor(target: string, trustProxy: boolean, originalUrl = target) {
    super()
    this.originalUrl = originalUrl
    const q = normalQueryStart(target)
    if (q >= 0) {
      this.path = q === target.length ? target : target.slice(0, q)
      this.query = q === target.length ? '' : target.slice(q)
      this.#flags = trustProxy ? EXACT | TRUST_PROXY : EXACT
      return
    }
    const parsed = parseTarget(target)
    if (parsed instanceof BadPath) throw new HttpError(400, parsed.message)
    this.path = parsed.path
    this.query = parsed.query
    this.#flags = (parsed.exact ? EXACT : 0) | (trustProxy ? TRUST_PROXY : 0)
  }

  /** The target was already normal: a leaf at the root can get it untouched. */
  get exact(): boolean {
    return (this.#flags & EXACT) !== 0
  }

  get trustProxy(): boolean {
    return (this.#flags & TRUST_PROXY) !== 0
  }

  #side(): Rare {
    this.#rare ??= new Rare()
    return this.#rare
  }

  /** Host captures (`{tenant}.example.com`), for mountInfo(). */
  get params(): Record<string, string> | undefined {
    return this.#rare?.params
  }

  set params(params: Record<string, string> | undefined) {
    this.#side().params = params
  }

  /** The dispatch of an outer switchyard entry whose leaf this request came through. */
  get outer(): DispatchContext | undefined {
    return this.#rare?.outer
  }

  set outer(outer: DispatchContext | undefined) {
    this.#side().outer = outer
  }

  /** A failure of this request was reported: the funnel reports once per request. */
  get reported(): boolean {
    return this.#rare?.reported === true
  }

  set reported(reported: boolean) {
    this.#side().reported = reported
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
    if ((this.#flags & TRUST_PROXY) !== 0) {
      const forwarded = forwardedHost(this.header('x-forwarded-host'))
      if (forwarded !== undefined) this.#side().forwarded = forwarded
      raw = forwarded ?? this.rawHost()
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
    return this.#rare?.forwarded
  }

  /** The prefix announced to the leaf in X-Forwarded-Prefix. */
  forwardedPrefix(base: string): string {
    const sent = this.trustProxy ? this.header('x-forwarded-prefix') : undefined
    return sent !== undefined && isSameOriginPath(sent) ? sent.replace(/\/+$/, '') + base : base
  }

  /** Whether the request holds a lease, to release when its response ends. */
  get leased(): boolean {
    return this.#lease !== undefined
  }

  /** Holds `lease` until the response ends: release() releases it once. */
  lease(lease: Release): void {
    if (this.#lease === undefined) this.#lease = lease
    else {
      const rare = this.#side()
      if (rare.moreLeases === undefined) rare.moreLeases = [lease]
      else rare.moreLeases.push(lease)
    }
  }

  /**
   * Keeps the leases while the app's own promise runs: a response can end (a client gone, a
   * timeout answered) while the app still works in its instance, which must not be
   * disposed under it. Every hold() is followed by one unhold().
   */
  hold(): void {
    this.#side().holds++
  }

  unhold(): void {
    const rare = this.#side()
    if (--rare.holds === 0 && rare.releaseWhenFree) this.release()
  }

  /** Releases every lease once; while held, once the last hold ends. */
  release(): void {
    const first = this.#lease
    if (first === undefined) return
    const rare = this.#rare
    if (rare === undefined) {
      this.#lease = undefined
      first.release()
      return
    }
    if (rare.holds > 0) {
      rare.releaseWhenFree = true
      return
    }
    const more = rare.moreLeases
    this.#lease = rare.moreLeases = undefined
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

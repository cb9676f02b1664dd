// InstanceCache's parts: the per-key record, the intrusive LRU list that orders
// the records, the shared creation of a key, and option validation.

import { isThenable } from '../core/thenable.ts'
import { describe, parseDuration } from '../parse/duration.ts'

export type Factory<T, C> = (
  key: string,
  ctx: C,
) => T | null | undefined | Promise<T | null | undefined>

export interface CacheOptions<T> {
  /** Live instances; default 1000. Remembered misses do not count (see `maxMisses`). */
  max?: number
  /**
   * Remembered negative results (the factory gave null/undefined), in a bound of their own:
   * a miss never pushes out a live instance. Default: the same as `max`; 0 = none.
   */
  maxMisses?: number
  /**
   * Factory calls in progress at once; default 100. Over it, `acquire` throws a
   * CacheBusyError at once and starts nothing (a dispatcher answers 503 + Retry-After).
   */
  maxCreating?: number
  /** Evict instances unused this long; default off (0). */
  idleTimeout?: number | string
  /** How long a null/undefined factory result is remembered; default '5s', 0 = not at all. */
  negativeTtl?: number | string
  /** Default '30s'; 0 = no limit. */
  createTimeout?: number | string
  /** Called once per instance, after its last lease is released; may return a Promise. */
  dispose?: (instance: T, key: string) => unknown
}

export interface Lease<T> {
  readonly key: string
  readonly instance: T
  /** Call exactly once per acquire, when the request ends. */
  release(): void
}

export interface InstanceInfo {
  key: string
  /** ms since created */
  age: number
  /** ms since last use (acquire or release); 0 while requests are in flight */
  idle: number
  inFlight: number
  requests: number
}

export type EvictReason = 'lru' | 'idle' | 'invalidate' | 'close'

let cached = -1
const expire = (): void => {
  cached = -1
}
/**
 * Whether a reading may be shared until an unref'd 1 ms timer clears it: only where timers
 * are event-loop timers that fire whether or not a request is running (Node, Bun: their
 * setTimeout returns an object with unref()). workerd freezes timers between requests and
 * Deno's setTimeout returns a number: there every call reads the clock, which is correct
 * without any timer (and cheap on workerd, whose clock only moves between I/O).
 */
let shared: boolean | undefined =
  (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent ===
  'Cloudflare-Workers'
    ? false
    : undefined

/**
 * A monotonic millisecond clock. Reading performance.now() costs ~50 ns, several times a
 * whole cache hit; last-use times only need millisecond precision, so on Node one reading
 * is shared until an unref'd 1 ms timer clears it (at most one timer per millisecond under
 * load). Nothing depends on that timer firing for correctness beyond the reading's age:
 * where timers may not fire (see `shared`), the clock is read every time.
 */
export function now(): number {
  if (cached >= 0) return cached
  const t = performance.now()
  if (shared === false) return t
  const timer: unknown = setTimeout(expire, 1)
  if (typeof (timer as { unref?: unknown } | null)?.unref === 'function') {
    ;(timer as { unref(): void }).unref()
    shared = true
    cached = t
  } else {
    clearTimeout(timer as number)
    shared = false
  }
  return t
}

export const LIVE = 0
export const NEGATIVE = 1
/** Out of the cache, waiting for its leases to be released. */
export const EVICTED = 2
export const DISPOSED = 3

/**
 * One cached key. A live record is itself the lease handed to every request
 * (a hit allocates nothing), so `release()` must be called once per acquire.
 * A negative record (the factory returned nothing) keeps `instance` undefined.
 */
export class Entry<T> implements Lease<T> {
  inFlight = 0
  requests = 0
  readonly created: number
  /** Last acquire or release. */
  lastUse: number
  /** Last acquire: the LRU order. Release does not move a record, so a hit touches no
   * neighbours twice. */
  acquired: number
  /** Neighbours in the LRU list: `prev` was used more recently. */
  prev: Entry<T> | undefined = undefined
  next: Entry<T> | undefined = undefined

  constructor(
    readonly key: string,
    readonly instance: T,
    public state: number,
    readonly list: Lru<T>,
  ) {
    this.created = this.lastUse = this.acquired = now()
  }

  release(): void {
    // An extra release never drives the count below zero (nor disposes twice).
    if (this.inFlight === 0) return
    this.inFlight--
    if (this.state === LIVE) this.lastUse = now()
    else if (this.inFlight === 0 && this.state === EVICTED) this.list.drained(this)
  }
}

/**
 * Doubly linked through the records themselves: moving a record to the front
 * is four pointer writes and no allocation, and the least recently used
 * record is always `tail`.
 */
export class Lru<T> {
  head: Entry<T> | undefined = undefined
  tail: Entry<T> | undefined = undefined

  /** `drained` is called when an evicted record's last lease is released. */
  constructor(readonly drained: (entry: Entry<T>) => void) {}

  push(entry: Entry<T>): void {
    entry.prev = undefined
    entry.next = this.head
    if (this.head === undefined) this.tail = entry
    else this.head.prev = entry
    this.head = entry
  }

  remove(entry: Entry<T>): void {
    if (entry.prev === undefined) this.head = entry.next
    else entry.prev.next = entry.next
    if (entry.next === undefined) this.tail = entry.prev
    else entry.next.prev = entry.prev
    entry.prev = entry.next = undefined
  }

  toFront(entry: Entry<T>): void {
    if (entry === this.head) return
    this.remove(entry)
    this.push(entry)
  }
}

/** What a creation reports to its cache, once. */
export interface Outcome<T> {
  created(pending: Pending<T>, value: T | null | undefined): void
  failed(pending: Pending<T>, error: unknown): void
  /** An instance that arrived after its timeout: served to nobody, to be disposed. */
  late(instance: T, key: string): void
}

/** One factory call shared by every acquire of its key until it settles (single flight). */
export class Pending<T> {
  waiters = 1
  settled = false
  /** Set when invalidated or closed while creating: the result is served, never cached. */
  detached: EvictReason | undefined = undefined
  timer: ReturnType<typeof setTimeout> | undefined = undefined
  resolve!: (lease: Lease<T> | null) => void
  reject!: (error: unknown) => void
  readonly promise = new Promise<Lease<T> | null>((resolve, reject) => {
    this.resolve = resolve
    this.reject = reject
  })

  constructor(
    readonly key: string,
    readonly outcome: Outcome<T>,
  ) {}

  /** Calls the factory; a synchronous throw, a rejection and a timeout are all failures. */
  run<C>(create: Factory<T, C>, ctx: C, timeout: number, name: string): void {
    let result: ReturnType<Factory<T, C>>
    try {
      result = create(this.key, ctx)
    } catch (error) {
      this.#fail(error)
      return
    }
    if (!isThenable(result)) {
      this.#succeed(result as T | null | undefined)
      return
    }
    if (timeout > 0) {
      const onTimeout = () => this.#fail(timeoutError(name, this.key, timeout))
      this.timer = setTimeout(onTimeout, timeout)
    }
    Promise.resolve(result).then(
      (value) => this.#succeed(value),
      (error) => this.#fail(error),
    )
  }

  #succeed(value: T | null | undefined): void {
    if (!this.settled) {
      this.#settle()
      this.outcome.created(this, value)
    } else if (value != null) this.outcome.late(value, this.key)
  }

  #fail(error: unknown): void {
    if (this.settled) return // failing after the timeout: already reported
    this.#settle()
    this.reject(error)
    this.outcome.failed(this, error)
  }

  #settle(): void {
    this.settled = true
    clearTimeout(this.timer)
  }
}

function timeoutError(name: string, key: string, ms: number): Error {
  const error = new Error(
    `${name}: creating the instance for key ${JSON.stringify(key)} timed out after ${ms} ms`,
  )
  error.name = 'TimeoutError'
  return error
}

export interface Settings<T> {
  max: number
  maxMisses: number
  maxCreating: number
  idle: number
  negativeTtl: number
  createTimeout: number
  dispose: ((instance: T, key: string) => unknown) | undefined
}

/** Validated options, or a TypeError naming the bad one, prefixed with `name`. */
export function readSettings<T>(create: unknown, options: unknown, name: string): Settings<T> {
  const fail = (what: string, value: unknown) =>
    new TypeError(`${name}: ${what}, got ${describe(value)}`)
  if (typeof create !== 'function') throw fail('the factory must be a function', create)
  if (options === null || typeof options !== 'object')
    throw fail('options must be an object', options)
  const {
    max = 1000,
    maxMisses = max,
    maxCreating = 100,
    dispose,
    idleTimeout,
    negativeTtl,
    createTimeout,
  } = options as CacheOptions<T>
  if (!Number.isInteger(max) || max < 1) throw fail('max must be an integer >= 1', max)
  if (!Number.isInteger(maxMisses) || maxMisses < 0)
    throw fail('maxMisses must be an integer >= 0', maxMisses)
  if (!Number.isInteger(maxCreating) || maxCreating < 1)
    throw fail('maxCreating must be an integer >= 1', maxCreating)
  if (dispose !== undefined && typeof dispose !== 'function')
    throw fail('dispose must be a function', dispose)
  return {
    max,
    maxMisses,
    maxCreating,
    dispose,
    idle: parseDuration(idleTimeout ?? 0, 'idleTimeout', name),
    negativeTtl: parseDuration(negativeTtl ?? '5s', 'negativeTtl', name),
    createTimeout: parseDuration(createTimeout ?? '30s', 'createTimeout', name),
  }
}

// Instance cache: one instance per key, single-flight creation, LRU bound, idle
// expiry and refcounted dispose. HTTP-agnostic: a dispatcher calls it per request.
// Runtime-neutral (no node:* import, no reliance on timers firing): idle and negative
// expiry are checked on access; the one background sweep timer is only a bonus.
//
// Bounds, under any sequence of requests (`stats()` reports the four counts):
//   live       <= max          instances in the cache; misses never evict one
//   misses     <= maxMisses    remembered negative results (own FIFO list, default max)
//   creating   <= maxCreating  factory calls in progress (default 100)
//   live + draining + creating <= max + maxCreating
// where draining = evicted while in flight, not yet disposed. Only a creation adds an
// instance, so the last bound is enforced when one starts: if starting it would exceed the
// bound, an idle instance near the LRU tail is evicted to make room, and if there is none
// (everything near the tail is busy) `acquire` throws CacheBusyError and starts nothing.
// In words: the cache never holds more than max + maxCreating instances at once; the
// surplus over max are busy instances finishing their requests. Why not 2 × max: with a
// small max, a burst of up to maxCreating new keys (each evicting a busy predecessor) is
// still served. A creation that timed out stops counting at its timeout (its instance, if
// it ever comes, is disposed on arrival); an instance whose async dispose is still running
// is no longer counted. CacheBusyError.retryAfter is 1 (second).
import { isThenable } from '../core/thenable.ts'
import { Emitter } from './emitter.ts'
import {
  type CacheOptions,
  DISPOSED,
  Entry,
  EVICTED,
  type EvictReason,
  type Factory,
  type InstanceInfo,
  type Lease,
  LIVE,
  Lru,
  NEGATIVE,
  now,
  type Outcome,
  Pending,
  readSettings,
  type Settings,
} from './entry.ts'

// Why not lru-cache: it would be no faster (measured with the same record
// updates: 11.5/45/177 ns per hit at 1/1k/100k keys, against 7.6/45/160 ns for
// this list threaded through the records), and it fits poorly: it reports only
// 'evict'/'delete' where we need 'lru'/'idle'/'invalidate'/'close', its dispose
// hook runs in the middle of set() (our 'evict' listeners could re-enter it),
// its TTL either scans every entry (purgeStale) or arms a timer per entry, and
// it allocates index arrays for all `max` slots up front.

export type { CacheOptions, EvictReason, Factory, InstanceInfo, Lease } from './entry.ts'

/** Listener arguments; with no 'error' listener, failures go to console.error instead. */
export interface CacheEvents<T> {
  create: [key: string, instance: T]
  evict: [key: string, instance: T, reason: EvictReason]
  error: [error: unknown, key: string, phase: 'create' | 'dispose']
}

export interface CacheStats {
  /** Instances in the cache (<= max). */
  live: number
  /** Evicted instances waiting for their in-flight leases before dispose. */
  draining: number
  /** Factory calls in progress (<= maxCreating). */
  creating: number
  /** Remembered negative results (<= maxMisses). */
  misses: number
}

/**
 * Thrown synchronously by `acquire` when a new creation would exceed `maxCreating`
 * (reason 'creating') or the bound on live + draining instances (reason 'draining').
 * Nothing was started; `retryAfter` is a hint in whole seconds (HTTP: 503 + Retry-After).
 */
export class CacheBusyError extends Error {
  override name = 'CacheBusyError'
  readonly retryAfter: number
  readonly reason: 'creating' | 'draining'

  constructor(message: string, reason: 'creating' | 'draining', retryAfter = 1) {
    super(message)
    this.reason = reason
    this.retryAfter = retryAfter
  }
}

/** Records looked at from the LRU tail, at most, by one acquire's housekeeping. */
const REAP = 4
/** Records looked at from the LRU tail for an idle one to evict when at the bound. */
const VICTIM = 8

export class InstanceCache<T, C = unknown> extends Emitter<CacheEvents<T>> {
  readonly #create: Factory<T, C>
  readonly #name: string
  readonly #o: Settings<T>
  /** Live and negative records by key. */
  readonly #map = new Map<string, Entry<T>>()
  /** Live records, most recently acquired first. */
  readonly #lru = new Lru<T>((entry) => {
    this.#draining--
    this.#disposeEntry(entry)
  })
  /** Negative records, newest first: oldest (first to expire) at the tail. */
  readonly #misses = new Lru<T>(() => {})
  readonly #pending = new Map<string, Pending<T>>()
  /** idleTimeout is on: a hit checks expiry (the one branch a hit pays when it is off). */
  readonly #expiring: boolean
  #live = 0
  #missCount = 0
  #creating = 0
  #draining = 0
  #timer: ReturnType<typeof setTimeout> | undefined = undefined
  /** Creations, and evicted instances not yet disposed: close() waits for them. */
  #outstanding = 0
  #closed: Promise<void> | undefined = undefined
  #drained: (() => void) | undefined = undefined

  constructor(create: Factory<T, C>, options: CacheOptions<T> = {}, name = 'lazy()') {
    super()
    this.#o = readSettings(create, options, name)
    this.#expiring = this.#o.idle > 0
    this.#create = create
    this.#name = name
  }

  /**
   * A lease on the key's instance: synchronously on a hit (the same object for
   * every request), `null` synchronously for a remembered negative, else a
   * Promise shared by every concurrent miss of the key. Each caller calls
   * `release()` once per lease it got. Throws synchronously once closed, and a
   * CacheBusyError (starting nothing) when a new creation would exceed a bound.
   */
  acquire(key: string, ctx: C): Lease<T> | null | Promise<Lease<T> | null> {
    const entry = this.#map.get(key)
    if (entry !== undefined) {
      if (entry.state === LIVE) {
        if (!this.#expiring) {
          entry.inFlight++
          entry.requests++
          entry.lastUse = entry.acquired = now()
          this.#lru.toFront(entry)
          return entry
        }
        if (this.#fresh(entry)) return entry
      } else if (now() - entry.created < this.#o.negativeTtl) return null
      else this.#dropMiss(entry)
    }
    const pending = this.#pending.get(key)
    if (pending !== undefined) {
      pending.waiters++
      return pending.promise
    }
    if (this.#closed !== undefined)
      throw new Error(
        `${this.#name}: cannot acquire ${JSON.stringify(key)}: the instance cache is closed`,
      )
    return this.#start(key, ctx)
  }

  /**
   * Evicts the key gracefully (in-flight leases finish on the old instance);
   * also forgets a negative result or a creation in progress. True if there was one.
   */
  invalidate(key: string): boolean {
    const entry = this.#map.get(key)
    if (entry !== undefined) {
      if (entry.state === LIVE) this.#evict(entry, 'invalidate')
      else this.#dropMiss(entry)
    }
    const pending = this.#pending.get(key)
    if (pending !== undefined) {
      pending.detached = 'invalidate'
      this.#pending.delete(key)
    }
    return entry !== undefined || pending !== undefined
  }

  /** A snapshot of the live instances, most recently used first. */
  instances(): InstanceInfo[] {
    const list: InstanceInfo[] = []
    const t = now()
    for (let e = this.#lru.head; e !== undefined; e = e.next) {
      const idle = e.inFlight > 0 ? 0 : t - e.lastUse
      list.push({
        key: e.key,
        age: t - e.created,
        idle,
        inFlight: e.inFlight,
        requests: e.requests,
      })
    }
    return list
  }

  /** Live and negative entries (creations in progress are not counted). */
  get size(): number {
    return this.#map.size
  }

  /** The counts the bounds are about (see the top of cache.ts). */
  stats(): CacheStats {
    return {
      live: this.#live,
      draining: this.#draining,
      creating: this.#creating,
      misses: this.#missCount,
    }
  }

  /**
   * Evicts everything ('close') and resolves once every instance is disposed,
   * after its leases are released; creations in progress finish first (their
   * waiters are served, then the instance is disposed). A creation that already
   * timed out is not waited for: its instance, if it ever comes, is disposed on
   * arrival. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed
    this.#closed = new Promise((resolve) => {
      this.#drained = resolve
    })
    clearTimeout(this.#timer)
    for (const pending of this.#pending.values()) pending.detached = 'close'
    this.#pending.clear()
    while (this.#misses.tail !== undefined) this.#dropMiss(this.#misses.tail)
    while (this.#lru.tail !== undefined) this.#evict(this.#lru.tail, 'close')
    this.#settle(0)
    return this.#closed
  }

  /**
   * A hit with idleTimeout on: timers may not fire (workerd between requests), so expiry
   * also happens on access. True with the lease counted; false if the record was idle
   * too long and is now evicted ('idle'): the caller creates anew.
   */
  #fresh(entry: Entry<T>): boolean {
    const t = now()
    const idle = this.#o.idle
    if (t - entry.lastUse >= idle && entry.inFlight === 0) {
      this.#evict(entry, 'idle')
      return false
    }
    entry.lastUse = entry.acquired = t
    this.#lru.toFront(entry)
    // Before the lease is counted, so a throwing 'evict' listener cannot leak it.
    if (t - (this.#lru.tail as Entry<T>).acquired >= idle) this.#reap(t, REAP)
    entry.inFlight++
    entry.requests++
    return true
  }

  #start(key: string, ctx: C): Promise<Lease<T> | null> {
    const o = this.#o
    // Bounded housekeeping first: expired records make room before the bounds are checked.
    const t = now()
    if (o.idle > 0) this.#reap(t, REAP)
    for (let n = 0; n < REAP; n++) {
      const oldest = this.#misses.tail
      if (oldest === undefined || t - oldest.created < o.negativeTtl) break
      this.#dropMiss(oldest)
    }
    if (this.#creating >= o.maxCreating) throw this.#busy(key, 'creating')
    if (this.#live + this.#draining + this.#creating >= o.max + o.maxCreating) {
      const idle = this.#idleVictim()
      if (idle === undefined) throw this.#busy(key, 'draining')
      this.#evict(idle, 'lru')
    }
    const pending = new Pending<T>(key, this.#outcome)
    this.#pending.set(key, pending)
    this.#outstanding++
    this.#creating++
    pending.run(this.#create, ctx, o.createTimeout, this.#name)
    return pending.promise
  }

  #busy(key: string, reason: 'creating' | 'draining'): CacheBusyError {
    const o = this.#o
    const why =
      reason === 'creating'
        ? `${o.maxCreating} creations are in progress (maxCreating)`
        : `${this.#live} live and ${this.#draining} draining instances plus ` +
          `${this.#creating} creations reach max + maxCreating = ${o.max + o.maxCreating}, ` +
          'and none near the LRU tail is idle'
    return new CacheBusyError(
      `${this.#name}: cannot create an instance for ${JSON.stringify(key)} now: ${why}`,
      reason,
    )
  }

  readonly #outcome: Outcome<T> = {
    created: (pending, value) => {
      const { key, detached } = pending
      this.#forget(pending)
      this.#creating--
      if (value == null) {
        const o = this.#o
        if (detached === undefined && o.negativeTtl > 0 && o.maxMisses > 0) {
          this.#insertMiss(new Entry(key, undefined as T, NEGATIVE, this.#misses))
        }
        pending.resolve(null)
        return this.#settle(1)
      }
      // The waiters' leases are counted now, so no eviction can dispose it under them.
      const entry = new Entry(key, value, detached ? EVICTED : LIVE, this.#lru)
      entry.inFlight = entry.requests = pending.waiters
      if (detached) {
        this.#outstanding++
        this.#draining++
      } else this.#insert(entry)
      pending.resolve(entry)
      this.#settle(1)
      this.emit('create', key, value)
      if (detached) this.emit('evict', key, value, detached)
    },
    failed: (pending, error) => {
      this.#forget(pending)
      this.#creating--
      this.#report(error, pending.key, 'create')
      this.#settle(1)
    },
    late: (instance, key) => this.#disposeValue(instance, key),
  }

  #forget(pending: Pending<T>): void {
    if (this.#pending.get(pending.key) === pending) this.#pending.delete(pending.key)
  }

  #insert(entry: Entry<T>): void {
    this.#map.set(entry.key, entry)
    this.#lru.push(entry)
    this.#live++
    // Strictly the least recently used, busy or not (it then drains): the bound on
    // live + draining is kept when creations start, not here.
    while (this.#live > this.#o.max) this.#evict(this.#lru.tail as Entry<T>, 'lru')
    if (this.#o.idle > 0 && this.#timer === undefined) this.#arm(this.#o.idle)
  }

  /** Misses have their own list and bound: remembering one never evicts a live instance. */
  #insertMiss(entry: Entry<T>): void {
    this.#map.set(entry.key, entry)
    this.#misses.push(entry)
    this.#missCount++
    while (this.#missCount > this.#o.maxMisses) this.#dropMiss(this.#misses.tail as Entry<T>)
  }

  #dropMiss(entry: Entry<T>): void {
    this.#map.delete(entry.key)
    this.#misses.remove(entry)
    this.#missCount--
  }

  /**
   * The least recently used record with nothing in flight among the last VICTIM, if any:
   * evicting it to make room disposes it at once (evicting a busy one would not free any).
   */
  #idleVictim(): Entry<T> | undefined {
    let e = this.#lru.tail
    for (let n = 0; e !== undefined && n < VICTIM; n++, e = e.prev) {
      if (e.inFlight === 0) return e
    }
    return undefined
  }

  /** Out of the cache at once; disposed now if idle, else when its last lease is released. */
  #evict(entry: Entry<T>, reason: EvictReason): void {
    this.#map.delete(entry.key)
    this.#lru.remove(entry)
    this.#live--
    entry.state = EVICTED
    this.#outstanding++
    if (entry.inFlight > 0) this.#draining++
    try {
      this.emit('evict', entry.key, entry.instance, reason)
    } finally {
      if (entry.inFlight === 0) this.#disposeEntry(entry)
    }
  }

  #disposeEntry(entry: Entry<T>): void {
    if (entry.state !== EVICTED) return
    entry.state = DISPOSED
    this.#disposeValue(entry.instance, entry.key, true)
  }

  /** Runs `dispose`; `counted` says the instance is part of #outstanding. */
  #disposeValue(instance: T, key: string, counted = false): void {
    const done = () => counted && this.#settle(1)
    const failed = (error: unknown) => {
      this.#report(error, key, 'dispose')
      done()
    }
    try {
      const result = this.#o.dispose?.(instance, key)
      if (isThenable(result)) Promise.resolve(result).then(done, failed)
      else done()
    } catch (error) {
      failed(error)
    }
  }

  #settle(count: number): void {
    this.#outstanding -= count
    if (this.#outstanding === 0 && this.#drained !== undefined) this.#drained()
  }

  /** An 'error' event, or the console when nobody listens. */
  #report(error: unknown, key: string, phase: 'create' | 'dispose'): void {
    if (this.listenerCount('error') > 0) this.emit('error', error, key, phase)
    else console.error(`${this.#name}: ${phase} failed for key ${JSON.stringify(key)}:`, error)
  }

  /**
   * Walks from the least recently acquired record, evicting idle ones, and stops at the
   * first fresh one or after `budget` records. Records in flight, or released recently
   * (release does not reorder), are in use: moved to the front, each is visited at most
   * once per walk, so a walk costs what it evicts.
   */
  #reap(t: number, budget: number): void {
    const idle = this.#o.idle
    let oldest = this.#lru.tail
    while (oldest !== undefined && budget-- > 0 && t - oldest.acquired >= idle) {
      if (oldest.inFlight > 0 || t - oldest.lastUse < idle) {
        oldest.acquired = t
        this.#lru.toFront(oldest)
      } else this.#evict(oldest, 'idle')
      oldest = this.#lru.tail
    }
  }

  /**
   * The one idle timer (where timers fire; acquire also expires on access), due when
   * the oldest record turns idle, plus slack to batch neighbours.
   */
  #arm(delay: number): void {
    const timer = setTimeout(this.#sweep, delay + Math.min(this.#o.idle / 8, 1000))
    ;(timer as { unref?: () => void }).unref?.()
    this.#timer = timer
  }

  readonly #sweep = (): void => {
    this.#timer = undefined
    const t = now()
    this.#reap(t, Number.POSITIVE_INFINITY)
    const oldest = this.#lru.tail
    if (oldest !== undefined) this.#arm(oldest.acquired + this.#o.idle - t)
  }
}

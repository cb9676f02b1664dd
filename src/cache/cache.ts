// Instance cache: one instance per key, single-flight creation, LRU bound, idle expiry and
// refcounted dispose; HTTP-agnostic, called per request. Runtime-neutral: expiry is checked
// on access, the one sweep timer is a bonus. Its bounds under any load: see busy.ts.
import type { ProcessMetrics } from '../core/types.ts'
import { busyError, type CacheBusyError, type CacheEvents, type CacheStats } from './busy.ts'
import { exactNow, now } from './clock.ts'
import { CacheCounters } from './counters.ts'
import { Disposals } from './disposals.ts'
import { Emitter } from './emitter.ts'
import { Entry, EVICTED, LIVE, Lru } from './entry.ts'
import { IdleExpiry } from './idle.ts'
import { Misses } from './misses.ts'
import {
  type CacheOptions,
  type EvictReason,
  type Factory,
  type InstanceInfo,
  type Lease,
  readSettings,
  type Settings,
} from './options.ts'
import { Creations, type Outcome } from './pending.ts'

export { CacheBusyError, type CacheEvents, type CacheStats } from './busy.ts'
export { CacheCounters, CREATION_BUCKETS } from './counters.ts'
export type { CacheOptions, EvictReason, Factory, InstanceInfo, Lease } from './options.ts'

/** Records looked at from the LRU tail, at most, by one acquire's housekeeping. */
const REAP = 4
/** Records looked at from the LRU tail for an idle one to evict (and dispose) at the bound. */
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
    this.#disposals.runOnce(entry)
  })
  readonly #misses: Misses<T>
  readonly #creations = new Creations<T>()
  #live = 0
  #draining = 0
  readonly #expiry: IdleExpiry<T> | undefined
  readonly #disposals: Disposals<T>
  #closed: Promise<void> | undefined = undefined
  /** Set first thing in close(), so an 'evict' listener cannot acquire meanwhile. */
  #closing = false
  /** What it has done: hits, misses, creations and their time, evictions, failures. */
  readonly counters = new CacheCounters()

  constructor(create: Factory<T, C>, options: CacheOptions<T> = {}, name = 'lazy()') {
    super()
    this.#o = readSettings(create, options, name)
    this.#lru.exact = this.#o.idle > 0
    this.#misses = new Misses(this.#map, this.#o.maxMisses, this.#o.negativeTtl)
    this.#disposals = new Disposals(this.#o.dispose, (error, key, phase) =>
      this.#report(error, key, phase),
    )
    this.#expiry =
      this.#o.idle > 0
        ? new IdleExpiry(this.#o.idle, this.#lru, (entry) => this.#evict(entry, 'idle'))
        : undefined
    this.#create = create
    this.#name = name
  }

  /**
   * A lease on the key's instance: at once on a hit (the record itself), `null` at once for
   * a remembered miss, else a Promise shared by every concurrent miss of the key; release()
   * once per lease. Throws once closed, or a CacheBusyError (starting nothing) at a bound.
   */
  acquire(key: string, ctx: C): Lease<T> | null | Promise<Lease<T> | null> {
    const entry = this.#map.get(key)
    if (entry !== undefined) {
      if (entry.state === LIVE) {
        // Without idleTimeout, the one branch a hit pays for expiry; its last use is
        // written on release (a leased record is never idle).
        if (this.#expiry === undefined) {
          entry.inFlight++
          entry.requests++
          this.#lru.toFront(entry)
          this.counters.hits++
          return entry
        }
        if (this.#expiry.touch(entry, REAP)) {
          this.counters.hits++
          return entry
        }
      } else if (this.#misses.fresh(entry, now())) {
        this.counters.misses++
        return null
      } else this.#misses.forget(entry)
    }
    this.counters.misses++
    const joined = this.#creations.join(key)
    if (joined !== undefined) return joined
    if (this.#closing)
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
      else this.#misses.forget(entry)
    }
    const detached = this.#creations.detach(key, 'invalidate')
    return entry !== undefined || detached
  }

  /** A snapshot of the live instances (the first `limit`), most recently used first. */
  instances(
    limit?: number,
    processOf?: (instance: T) => ProcessMetrics | undefined,
  ): InstanceInfo[] {
    return this.#lru.snapshot(exactNow(), limit, processOf)
  }

  /** Live and negative entries (creations in progress are not counted). */
  get size(): number {
    return this.#map.size
  }

  get max(): number {
    return this.#o.max
  }

  /** The counts the bounds are about (see the top of cache.ts). */
  stats(): CacheStats {
    return {
      live: this.#live,
      draining: this.#draining,
      creating: this.#creations.count,
      misses: this.#misses.count,
    }
  }

  /**
   * Evicts everything ('close'); resolves once every instance is disposed after its last
   * lease, creations in progress included (served, then disposed; one that timed out is
   * disposed if it ever arrives, and not waited for). Idempotent.
   */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed
    if (this.#closing) return Promise.resolve()
    this.#closing = true
    this.#expiry?.stop()
    this.#creations.detachAll('close')
    this.#misses.clear()
    while (this.#lru.tail !== undefined) this.#evict(this.#lru.tail, 'close')
    this.#closed = this.#disposals.drained()
    return this.#closed
  }

  #start(key: string, ctx: C): Promise<Lease<T> | null> {
    const o = this.#o
    // Bounded housekeeping first: expired records make room before the bounds are checked.
    if (this.#expiry !== undefined) this.#expiry.reap(exactNow(), REAP)
    this.#misses.expire(now(), REAP)
    if (this.#creations.count >= o.maxCreating) throw this.#busy(key, 'creating')
    if (this.#live + this.#draining + this.#creations.count >= o.max + o.maxCreating) {
      const idle = this.#lru.idleNearTail(VICTIM)
      if (idle === undefined) throw this.#busy(key, 'draining')
      this.#evict(idle, 'lru')
    }
    const pending = this.#creations.start(key, this.#outcome)
    this.#disposals.add()
    pending.run(this.#create, ctx, o.createTimeout, this.#name)
    return pending.promise
  }

  #busy(key: string, reason: 'creating' | 'draining'): CacheBusyError {
    return busyError(key, reason, { name: this.#name, ...this.#o, ...this.stats() })
  }

  readonly #outcome: Outcome<T> = {
    created: (pending, value) => {
      const { key, detached } = pending
      this.#creations.settled(pending)
      if (value == null) {
        if (detached === undefined) this.#misses.remember(key)
        pending.resolve(null)
        return this.#disposals.settle(1)
      }
      // The waiters' leases are counted now, so no eviction can dispose it under them.
      this.counters.created(performance.now() - pending.started)
      const entry = new Entry(key, value, detached ? EVICTED : LIVE, this.#lru)
      entry.inFlight = entry.requests = pending.waiters
      if (detached) {
        this.#disposals.add()
        this.#draining++
      } else this.#insert(entry)
      pending.resolve(entry)
      this.#disposals.settle(1)
      this.emit('create', key, value)
      if (detached) this.emit('evict', key, value, detached)
    },
    failed: (pending, error) => {
      this.#creations.settled(pending)
      this.counters.factoryErrors++
      this.#report(error, pending.key, 'create')
      this.#disposals.settle(1)
    },
    late: (instance, key) => this.#disposals.run(instance, key, false),
  }

  #insert(entry: Entry<T>): void {
    this.#map.set(entry.key, entry)
    this.#lru.push(entry)
    this.#live++
    // Strictly the least recently used, busy or not (it then drains): the bound on
    // live + draining is kept when creations start, not here.
    while (this.#live > this.#o.max) this.#evict(this.#lru.tail as Entry<T>, 'lru')
    this.#expiry?.arm()
  }

  /** Out of the cache at once; disposed now if idle, else when its last lease is released. */
  #evict(entry: Entry<T>, reason: EvictReason): void {
    this.#map.delete(entry.key)
    this.#lru.remove(entry)
    this.#live--
    entry.state = EVICTED
    this.counters.evictions[reason]++
    this.#disposals.add()
    if (entry.inFlight > 0) this.#draining++
    try {
      this.emit('evict', entry.key, entry.instance, reason)
    } finally {
      if (entry.inFlight === 0) this.#disposals.runOnce(entry)
    }
  }

  /** An 'error' event, or the console when nobody listens. */
  #report(error: unknown, key: string, phase: 'create' | 'dispose'): void {
    if (!this.emit('error', error, key, phase))
      console.error(`${this.#name}: ${phase} failed for key ${JSON.stringify(key)}:`, error)
  }
}

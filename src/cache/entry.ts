// The instance cache's record of one key, and the intrusive LRU list that orders records.

import type { ProcessMetrics } from '../core/types.ts'
import { exactNow, now } from './clock.ts'
import type { InstanceInfo, Lease } from './options.ts'

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
  // Fields in the order a hit reads them. Times are whole milliseconds (see clock.ts), kept
  // in the record itself: a release writes one field and allocates nothing.
  state = LIVE
  inFlight = 0
  requests = 0
  readonly instance: T
  /** Neighbours in the LRU list: `prev` was used more recently. */
  prev: Entry<T> | undefined = undefined
  next: Entry<T> | undefined = undefined
  readonly created = now()
  /** Last release (or acquire, with idle expiry). */
  lastUse = this.created
  /** Last acquire, kept with idle expiry only: the order it reaps in. */
  acquired = this.created
  readonly key: string
  readonly list: Lru<T>

  constructor(key: string, instance: T, state: number, list: Lru<T>) {
    this.state = state
    this.instance = instance
    this.key = key
    this.list = list
    if (list.exact) this.lastUse = this.acquired = exactNow()
  }

  release(): void {
    // An extra release never drives the count below zero (nor disposes twice).
    if (this.inFlight === 0) return
    this.inFlight--
    if (this.state === LIVE) this.lastUse = this.list.exact ? exactNow() : now()
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
  /** Records' last use is read from the clock itself (idle expiry), not a shared reading. */
  exact = false

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

  /** The first `limit` records as InstanceInfo, most recently used first. */
  snapshot(
    t: number,
    limit = Number.POSITIVE_INFINITY,
    processOf?: (instance: T) => ProcessMetrics | undefined,
  ): InstanceInfo[] {
    const list: InstanceInfo[] = []
    for (let e = this.head; e !== undefined && list.length < limit; e = e.next) {
      const idle = e.inFlight > 0 ? 0 : t - e.lastUse
      const info: InstanceInfo = {
        key: e.key,
        age: t - e.created,
        idle,
        inFlight: e.inFlight,
        requests: e.requests,
      }
      const process = processOf?.(e.instance)
      if (process !== undefined) info.process = process
      list.push(info)
    }
    return list
  }

  /** The least recently used record with nothing in flight among the last `limit`. */
  idleNearTail(limit: number): Entry<T> | undefined {
    let e = this.tail
    for (let n = 0; e !== undefined && n < limit; n++, e = e.prev) if (e.inFlight === 0) return e
    return undefined
  }
}

// One factory call, shared by every acquire of its key until it settles (single flight).
import { isThenable } from '../core/thenable.ts'
import type { EvictReason, Factory, Lease } from './options.ts'

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
  /** When the factory was called (ms, sub-millisecond), for the creation time. */
  readonly started = performance.now()
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

/** The creations in progress, by key; one counts until it settles (or times out). */
export class Creations<T> {
  readonly #byKey = new Map<string, Pending<T>>()
  count = 0

  /** Joins the key's creation in progress, if there is one. */
  join(key: string): Promise<Lease<T> | null> | undefined {
    const pending = this.#byKey.get(key)
    if (pending === undefined) return undefined
    pending.waiters++
    return pending.promise
  }

  start(key: string, outcome: Outcome<T>): Pending<T> {
    const pending = new Pending<T>(key, outcome)
    this.#byKey.set(key, pending)
    this.count++
    return pending
  }

  /** Settled: later acquires of its key start anew. */
  settled(pending: Pending<T>): void {
    if (this.#byKey.get(pending.key) === pending) this.#byKey.delete(pending.key)
    this.count--
  }

  /** Its result is served to its waiters, never cached. True if there was one. */
  detach(key: string, reason: EvictReason): boolean {
    const pending = this.#byKey.get(key)
    if (pending === undefined) return false
    pending.detached = reason
    this.#byKey.delete(key)
    return true
  }

  detachAll(reason: EvictReason): void {
    for (const pending of this.#byKey.values()) pending.detached = reason
    this.#byKey.clear()
  }
}

// The instance cache's options and public shapes, and their validation.
import type { ProcessMetrics } from '../core/types.ts'
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
  /** The instance's process, when it is a spawned app. */
  process?: ProcessMetrics
}

export type EvictReason = 'lru' | 'idle' | 'invalidate' | 'close'

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

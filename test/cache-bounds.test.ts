// Bounds of the instance cache under adversarial churn (issue 10, item 9), and its
// runtime neutrality: no node:* import, expiry that needs no timer to fire.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  CacheBusyError,
  type CacheOptions,
  type Factory,
  InstanceCache,
  type Lease,
} from '../src/cache/cache.ts'
import { Emitter } from '../src/cache/emitter.ts'
import { type Deferred, deferred } from './support/deferred.ts'

interface App {
  key: string
  id: number
}

let ids = 0
const app = (key: string): App => ({ key, id: ++ids })
/** Runs every pending microtask and one turn of the event loop; no timer involved. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

/** A cache that tracks, from the outside, which instances exist (created, not disposed). */
function tracked(options: CacheOptions<App>, factory: Factory<App, unknown> = app) {
  const alive = new Set<App>()
  const evictions: string[] = []
  let calls = 0
  const cache = new InstanceCache<App>(
    (key, ctx) => {
      calls++
      return factory(key, ctx)
    },
    { dispose: (instance) => void alive.delete(instance), ...options },
  )
  cache.on('create', (_key, instance) => alive.add(instance))
  cache.on('evict', (key, _instance, reason) => evictions.push(`${key}:${reason}`))
  return { cache, alive, evictions, calls: () => calls }
}

/** acquire(), with a CacheBusyError returned instead of thrown. */
function tryAcquire(cache: InstanceCache<App>, key: string) {
  try {
    return cache.acquire(key, undefined)
  } catch (error) {
    if (error instanceof CacheBusyError) return error
    throw error
  }
}

describe('InstanceCache bounds', () => {
  test('misses never evict a live instance: a busy tenant among random-key scans keeps one instance', async () => {
    // Before: every miss was a record under `max`, so 15 misses pushed the busy tenant out,
    // it drained while the next request created another beside it (8 alive at once here,
    // ~40 in the run).
    const { cache, alive, evictions } = tracked({ max: 10 }, (key) =>
      key === 'T' ? app(key) : null,
    )
    const held: Lease<App>[] = []
    let peak = 0
    for (let i = 0; i < 400; i++) {
      const lease = await cache.acquire('T', undefined)
      assert.ok(lease !== null)
      held.push(lease)
      if (held.length > 8) held.shift()?.release()
      for (let j = 0; j < 15; j++) await cache.acquire(`miss-${i}-${j}`, undefined)
      peak = Math.max(peak, [...alive].filter((a) => a.key === 'T').length)
    }
    assert.equal(peak, 1)
    assert.deepEqual(evictions, [])
    assert.deepEqual(cache.stats(), { live: 1, draining: 0, creating: 0, misses: 10 })
  })

  test('maxMisses bounds remembered misses on their own list', async () => {
    const { cache } = tracked({ max: 3, maxMisses: 50 }, (key) =>
      key.startsWith('live') ? app(key) : null,
    )
    for (const key of ['live1', 'live2', 'live3']) (await cache.acquire(key, undefined))?.release()
    for (let i = 0; i < 1000; i++) assert.equal(await cache.acquire(`scan-${i}`, undefined), null)
    assert.deepEqual(cache.stats(), { live: 3, draining: 0, creating: 0, misses: 50 })
    assert.equal(cache.size, 53)
    // The newest misses are remembered (a synchronous null), the oldest forgotten.
    assert.equal(cache.acquire('scan-999', undefined), null)
    assert.ok(cache.acquire('scan-0', undefined) instanceof Promise)
    const none = tracked({ maxMisses: 0 }, () => null)
    assert.equal(await none.cache.acquire('x', undefined), null)
    assert.ok(none.cache.acquire('x', undefined) instanceof Promise)
    assert.equal(none.cache.stats().misses, 0)
  })

  test('pipelining 5,000 distinct keys starts maxCreating factory calls; the rest are refused at once', async () => {
    // Before: 5,000 factory calls at once.
    const gate = deferred<void>()
    const { cache, calls } = tracked({}, async (key) => {
      await gate.promise
      return app(key)
    })
    const results = Array.from({ length: 5000 }, (_, i) => tryAcquire(cache, `k${i}`))
    assert.equal(calls(), 100)
    const refused = results.filter((r) => r instanceof CacheBusyError)
    assert.equal(refused.length, 4900)
    const [first] = refused
    assert.ok(first instanceof CacheBusyError && first instanceof Error)
    assert.equal(first.name, 'CacheBusyError')
    assert.equal(first.reason, 'creating')
    assert.equal(typeof first.retryAfter, 'number')
    assert.ok(first.retryAfter >= 1)
    assert.match(
      first.message,
      /^lazy\(\): cannot create an instance for "k100" now: .*maxCreating/,
    )
    assert.equal(cache.stats().creating, 100)
    // Joining a creation in progress starts nothing, so it is never refused.
    assert.ok(cache.acquire('k7', undefined) instanceof Promise)
    assert.equal(calls(), 100)
    gate.resolve()
    const leases = await Promise.all(results.filter((r) => r instanceof Promise))
    assert.equal(leases.length, 100)
    assert.deepEqual(cache.stats(), { live: 100, draining: 0, creating: 0, misses: 0 })
    assert.ok((await cache.acquire('k4999', undefined)) !== null, 'served once there is room')
  })

  test('live + draining + creating stays within max + maxCreating when every instance stays busy', async () => {
    // Before: each new key evicted a busy instance, which drained beside its successor:
    // holding every lease kept all 1,000 instances alive.
    const { cache, alive, calls } = tracked({ max: 10, maxCreating: 5 })
    const held: Lease<App>[] = []
    let peak = 0
    let refused = 0
    for (let i = 0; i < 1000; i++) {
      const before = calls()
      const result = tryAcquire(cache, `k${i}`)
      if (result instanceof CacheBusyError) {
        assert.equal(result.reason, 'draining')
        assert.equal(calls(), before, 'nothing started for a refused request')
        refused++
      } else {
        const lease = await result
        assert.ok(lease !== null)
        held.push(lease)
      }
      const s = cache.stats()
      assert.ok(s.live <= 10 && s.live + s.draining + s.creating <= 15, JSON.stringify(s))
      peak = Math.max(peak, alive.size)
    }
    assert.equal(peak, 15)
    assert.equal(refused, 985)
    assert.deepEqual(cache.stats(), { live: 10, draining: 5, creating: 0, misses: 0 })
    for (const lease of held) lease.release()
    assert.equal(alive.size, 10, 'the draining five are disposed after their last release')
    assert.ok((await cache.acquire('again', undefined)) !== null)
  })

  test('at the bound, an idle instance near the LRU tail is evicted to make room', async () => {
    const { cache, evictions } = tracked({ max: 2, maxCreating: 1 })
    const a = await cache.acquire('a', undefined)
    const b = await cache.acquire('b', undefined)
    const c = await cache.acquire('c', undefined) // evicts busy a: draining
    assert.ok(a && b && c)
    assert.deepEqual(cache.stats(), { live: 2, draining: 1, creating: 0, misses: 0 })
    assert.ok(tryAcquire(cache, 'd') instanceof CacheBusyError)
    b.release()
    const d = await cache.acquire('d', undefined)
    assert.equal(d?.key, 'd')
    assert.deepEqual(evictions, ['a:lru', 'b:lru'])
    assert.deepEqual(cache.stats(), { live: 2, draining: 1, creating: 0, misses: 0 })
  })

  test('stats() counts a creation invalidated midway as creating, then draining', async () => {
    const gate = deferred<void>()
    const { cache } = tracked({}, async (key) => {
      await gate.promise
      return app(key)
    })
    const waiting = cache.acquire('k', undefined)
    cache.invalidate('k')
    assert.deepEqual(cache.stats(), { live: 0, draining: 0, creating: 1, misses: 0 })
    gate.resolve()
    const lease = await waiting
    assert.deepEqual(cache.stats(), { live: 0, draining: 1, creating: 0, misses: 0 })
    lease?.release()
    assert.deepEqual(cache.stats(), { live: 0, draining: 0, creating: 0, misses: 0 })
  })

  test('a timed-out creation stops counting at its timeout', async () => {
    const { cache } = tracked({ createTimeout: 5, maxCreating: 1 }, (key) =>
      key === 'hung' ? new Promise(() => {}) : app(key),
    )
    cache.on('error', () => {})
    await assert.rejects(Promise.resolve(cache.acquire('hung', undefined)), {
      name: 'TimeoutError',
    })
    assert.equal(cache.stats().creating, 0)
    const next = tryAcquire(cache, 'next')
    assert.ok(next instanceof Promise, 'the slot is free again')
    assert.equal((await next)?.instance.key, 'next')
  })

  test('validates maxMisses and maxCreating', () => {
    const bad: [CacheOptions<App>, RegExp][] = [
      [{ maxMisses: -1 }, /^lazy\(\): maxMisses must be an integer >= 0, got -1$/],
      [{ maxMisses: 1.5 }, /maxMisses must be/],
      [{ maxCreating: 0 }, /^lazy\(\): maxCreating must be an integer >= 1, got 0$/],
      [{ maxCreating: Number.POSITIVE_INFINITY }, /maxCreating must be/],
    ]
    for (const [options, message] of bad) {
      assert.throws(() => new InstanceCache(app, options), { name: 'TypeError', message })
    }
  })
})

describe('InstanceCache without timers (workerd freezes them between requests)', () => {
  /** Runs `body` with a setTimeout that returns a number and never fires. */
  async function withFrozenTimers(body: () => Promise<void>): Promise<void> {
    const real = globalThis.setTimeout
    globalThis.setTimeout = (() => 1) as unknown as typeof setTimeout
    try {
      await body()
    } finally {
      globalThis.setTimeout = real
    }
  }
  /** Lets `ms` pass on the monotonic clock, turning the event loop without timers. */
  async function pass(ms: number): Promise<void> {
    const until = performance.now() + ms
    while (performance.now() < until) await tick()
  }

  test('idle expiry happens on access: an idle-expired key is evicted (idle) and created anew', () =>
    withFrozenTimers(async () => {
      // Before: the shared clock reading's expiry timer never fired, so the clock stood still.
      const { cache, evictions, alive } = tracked({ idleTimeout: 20 })
      const a = await cache.acquire('a', undefined)
      assert.ok(a)
      a.release()
      await pass(30)
      const again = await cache.acquire('a', undefined)
      assert.notEqual(again?.instance, a.instance)
      assert.deepEqual(evictions, ['a:idle'])
      assert.ok(!alive.has(a.instance), 'disposed')
    }))

  test('acquires also evict idle records from the LRU tail, a few at a time, never busy ones', () =>
    withFrozenTimers(async () => {
      const { cache, evictions } = tracked({ idleTimeout: 20 })
      const busy = await cache.acquire('busy', undefined)
      for (const key of ['i1', 'i2', 'i3', 'i4', 'i5', 'i6']) {
        ;(await cache.acquire(key, undefined))?.release()
      }
      const hot = await cache.acquire('hot', undefined) // busy: never idle
      await pass(30)
      // A hit looks at up to 4 records from the tail: busy (moved to the front), i1, i2, i3.
      hit(cache.acquire('hot', undefined)).release()
      assert.deepEqual(evictions, ['i1:idle', 'i2:idle', 'i3:idle'])
      await cache.acquire('miss', undefined) // a miss does the same
      assert.deepEqual(evictions, [
        'i1:idle',
        'i2:idle',
        'i3:idle',
        'i4:idle',
        'i5:idle',
        'i6:idle',
      ])
      assert.ok(busy && hot)
      assert.deepEqual(
        cache.instances().map((i) => i.key),
        ['miss', 'busy', 'hot'],
      )
    }))

  test('negative results expire on access after negativeTtl', () =>
    withFrozenTimers(async () => {
      const { cache, calls } = tracked({ negativeTtl: 20 }, () => null)
      assert.equal(await cache.acquire('nobody', undefined), null)
      assert.equal(cache.acquire('nobody', undefined), null)
      await pass(30)
      assert.ok(cache.acquire('nobody', undefined) instanceof Promise)
      assert.equal(calls(), 2)
    }))
})

/** The result of a hit: asserted synchronous and non-null. */
function hit<T>(result: Lease<T> | null | Promise<Lease<T> | null>): Lease<T> {
  assert.ok(!(result instanceof Promise), 'a hit must be synchronous')
  assert.ok(result !== null)
  return result
}

describe('Emitter', () => {
  test('node:events semantics the cache relies on', () => {
    const e = new Emitter<{ x: [n: number] }>()
    const seen: string[] = []
    const one = (n: number) => seen.push(`one ${n}`)
    const late = (n: number) => seen.push(`late ${n}`)
    const two = (n: number) => {
      seen.push(`two ${n}`)
      e.on('x', late) // added during emit: runs from the next emit
    }
    assert.equal(e.emit('x', 0), false)
    e.on('x', one).on('x', two).on('x', one)
    assert.equal(e.listenerCount('x'), 3)
    assert.equal(e.emit('x', 1), true)
    assert.deepEqual(seen, ['one 1', 'two 1', 'one 1'])
    e.off('x', one) // the most recent registration
    e.off('x', two)
    seen.length = 0
    e.emit('x', 2)
    assert.deepEqual(seen, ['one 2', 'late 2'])
    e.off('x', one).off('x', late).off('x', late)
    assert.equal(e.listenerCount('x'), 0)
    e.on('x', () => {
      throw new Error('listener')
    })
    assert.throws(() => e.emit('x', 3), /listener/)
  })

  test('src/cache imports no node:* module', () => {
    const dir = new URL('../src/cache/', import.meta.url)
    for (const file of readdirSync(dir)) {
      const source = readFileSync(new URL(file, dir), 'utf8')
      assert.doesNotMatch(source, /from ['"]node:|import\(['"]node:|require\(/, file)
    }
  })
})

describe('InstanceCache properties', () => {
  const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g']
  const ops = fc.array(
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          op: fc.constant('acquire' as const),
          key: fc.nat(6),
          mode: fc.constantFrom('sync' as const, 'null' as const, 'async' as const),
        }),
      },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('release' as const), at: fc.nat(50) }) },
      {
        weight: 2,
        arbitrary: fc.record({
          op: fc.constant('settle' as const),
          at: fc.nat(50),
          outcome: fc.constantFrom('instance' as const, 'null' as const, 'reject' as const),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ op: fc.constant('invalidate' as const), key: fc.nat(6) }),
      },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
    ),
    { maxLength: 80 },
  )
  const limits = fc.record({
    max: fc.integer({ min: 1, max: 4 }),
    maxMisses: fc.integer({ min: 0, max: 3 }),
    maxCreating: fc.integer({ min: 1, max: 3 }),
    negativeTtl: fc.constantFrom(0, 1e9),
  })

  test('bounds hold, each instance is disposed once after its last release, no lease on a disposed one', async () => {
    await fc.assert(
      fc.asyncProperty(limits, ops, async (o, sequence) => {
        const produced: App[] = []
        const disposed = new Map<App, number>()
        const leases = new Map<App, number>()
        const held: Lease<App>[] = []
        const creations: Array<Deferred<App | null>> = []
        let mode: 'sync' | 'null' | 'async' = 'sync'
        let creates = 0
        let evicts = 0
        const evicted = new Set<App>()
        const cache = new InstanceCache<App>(
          (key) => {
            if (mode === 'null') return null
            if (mode === 'sync') {
              const instance = app(key)
              produced.push(instance)
              return instance
            }
            const d = deferred<App | null>()
            creations.push(d)
            return d.promise
          },
          {
            ...o,
            createTimeout: 0,
            dispose: (instance) => {
              assert.equal(leases.get(instance) ?? 0, 0, 'disposed with leases outstanding')
              disposed.set(instance, (disposed.get(instance) ?? 0) + 1)
            },
          },
        )
        cache.on('create', () => creates++)
        cache.on('evict', (_key, instance) => {
          evicts++
          evicted.add(instance)
        })
        cache.on('error', () => {})
        const got = (lease: Lease<App> | null) => {
          if (lease === null) return
          assert.ok(!disposed.has(lease.instance), 'a lease served by a disposed instance')
          leases.set(lease.instance, (leases.get(lease.instance) ?? 0) + 1)
          held.push(lease)
        }
        const check = () => {
          const s = cache.stats()
          assert.ok(s.live <= o.max, `live ${s.live}`)
          assert.ok(s.misses <= o.maxMisses, `misses ${s.misses}`)
          assert.ok(s.creating <= o.maxCreating, `creating ${s.creating}`)
          assert.ok(s.live + s.draining + s.creating <= o.max + o.maxCreating, JSON.stringify(s))
          assert.equal(s.live, creates - evicts)
          assert.equal(s.live, cache.instances().length)
          const draining = [...evicted].filter((i) => !disposed.has(i)).length
          assert.equal(s.draining, draining)
          // From the outside: instances the factory produced and nobody disposed.
          const existing = produced.filter((i) => !disposed.has(i)).length
          assert.ok(existing <= o.max + o.maxCreating, `${existing} instances exist`)
          for (const count of disposed.values()) assert.equal(count, 1)
        }
        for (const step of sequence) {
          if (step.op === 'acquire') {
            mode = step.mode
            const before = creations.length + produced.length
            const result = tryAcquire(cache, KEYS[step.key] as string)
            if (result instanceof CacheBusyError) {
              assert.equal(creations.length + produced.length, before, 'refused, yet started')
            } else if (result instanceof Promise) result.then(got, () => {})
            else got(result)
          } else if (step.op === 'release' && held.length > 0) {
            const [lease] = held.splice(step.at % held.length, 1)
            assert.ok(lease)
            leases.set(lease.instance, (leases.get(lease.instance) ?? 0) - 1)
            lease.release()
          } else if (step.op === 'settle' && creations.length > 0) {
            const [d] = creations.splice(step.at % creations.length, 1)
            assert.ok(d)
            if (step.outcome === 'reject') d.reject(new Error('factory failed'))
            else if (step.outcome === 'null') d.resolve(null)
            else {
              const instance = app('async')
              produced.push(instance)
              d.resolve(instance)
            }
          } else if (step.op === 'invalidate') cache.invalidate(KEYS[step.key] as string)
          else if (step.op === 'tick') await tick()
          check()
        }
        // Wind down: settle every creation, release every lease, close.
        for (const d of creations.splice(0)) {
          const instance = app('async')
          produced.push(instance)
          d.resolve(instance)
        }
        await tick()
        check()
        const closed = cache.close()
        for (const lease of held.splice(0)) {
          leases.set(lease.instance, (leases.get(lease.instance) ?? 0) - 1)
          lease.release()
        }
        await closed
        for (const instance of produced) assert.equal(disposed.get(instance), 1, 'disposed once')
        assert.deepEqual(cache.stats(), { live: 0, draining: 0, creating: 0, misses: 0 })
      }),
      { numRuns: 400 },
    )
  })
})

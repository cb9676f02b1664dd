import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { type CacheOptions, type Factory, InstanceCache, type Lease } from '../src/cache/cache.ts'
import { now, TICK } from '../src/cache/clock.ts'
import { deferred } from './support/deferred.ts'

interface App {
  key: string
  id: number
}

let ids = 0
const app = (key: string): App => ({ key, id: ++ids })

/** A cache over App plus counters of factory calls, disposes and events. */
function setup(options: CacheOptions<App> = {}, factory: Factory<App, unknown> = app) {
  const calls: string[] = []
  const disposed: App[] = []
  const events: unknown[][] = []
  const cache = new InstanceCache<App>(
    (key, ctx) => {
      calls.push(key)
      return factory(key, ctx)
    },
    { dispose: (instance) => void disposed.push(instance), ...options },
  )
  for (const name of ['create', 'evict', 'error'] as const) {
    cache.on(name, (...args: unknown[]) => events.push([name, ...args]))
  }
  return { cache, calls, disposed, events }
}

/** The result of a hit: asserted synchronous and non-null. */
function hit<T>(result: Lease<T> | null | Promise<Lease<T> | null>): Lease<T> {
  assert.ok(!(result instanceof Promise), 'a hit must be synchronous')
  assert.ok(result !== null)
  return result
}

async function lease<T>(result: Lease<T> | null | Promise<Lease<T> | null>): Promise<Lease<T>> {
  const value = await result
  assert.ok(value !== null)
  return value
}

describe('InstanceCache', () => {
  test('a miss returns a Promise; a hit returns the same lease object synchronously', async () => {
    const { cache, calls, events } = setup()
    const first = cache.acquire('a', 'ctx')
    assert.ok(first instanceof Promise)
    const a = await lease(first)
    assert.equal(a.key, 'a')
    assert.equal(a.instance.key, 'a')
    const again = hit(cache.acquire('a', 'ctx'))
    assert.equal(again, a)
    assert.deepEqual(calls, ['a'])
    assert.deepEqual(events, [['create', 'a', a.instance]])
    assert.equal(cache.instances()[0]?.inFlight, 2)
    a.release()
    a.release()
    assert.equal(cache.instances()[0]?.inFlight, 0)
  })

  test('passes key and context to the factory', async () => {
    const seen: unknown[] = []
    const cache = new InstanceCache<App, { tenant: string }>((key, ctx) => {
      seen.push(key, ctx)
      return app(key)
    })
    await lease(cache.acquire('k', { tenant: 't' }))
    assert.deepEqual(seen, ['k', { tenant: 't' }])
  })

  test('single flight: 1,000 concurrent acquires make one factory call', async () => {
    const { cache, calls } = setup({}, async (key) => {
      await sleep(5)
      return app(key)
    })
    const results = Array.from({ length: 1000 }, () => cache.acquire('t', undefined))
    const leases = await Promise.all(results)
    assert.equal(calls.length, 1)
    const instance = leases[0]?.instance
    assert.ok(leases.every((l) => l?.instance === instance))
    assert.equal(cache.instances()[0]?.inFlight, 1000)
    assert.equal(cache.instances()[0]?.requests, 1000)
    for (const l of leases) l?.release()
    assert.equal(cache.instances()[0]?.inFlight, 0)
  })

  test('max: the least recently used entry is evicted and disposed once', async () => {
    const { cache, disposed, events } = setup({ max: 2 })
    const t1 = await lease(cache.acquire('t1', undefined))
    t1.release()
    const t2 = await lease(cache.acquire('t2', undefined))
    t2.release()
    const t3 = await lease(cache.acquire('t3', undefined))
    t3.release()
    assert.equal(cache.size, 2)
    assert.deepEqual(disposed, [t1.instance])
    assert.deepEqual(events.at(-2), ['evict', 't1', t1.instance, 'lru'])
    // LRU by last use: touching t2 makes t3 the next victim.
    hit(cache.acquire('t2', undefined)).release()
    await lease(cache.acquire('t4', undefined))
    assert.deepEqual(disposed, [t1.instance, t3.instance])
    assert.deepEqual(
      cache.instances().map((i) => i.key),
      ['t4', 't2'],
    )
  })

  test('an entry evicted while in flight is disposed only after its last release', async () => {
    const { cache, disposed } = setup({ max: 1 })
    const a = await lease(cache.acquire('a', undefined))
    hit(cache.acquire('a', undefined))
    const b = await lease(cache.acquire('b', undefined))
    assert.deepEqual(disposed, [])
    a.release()
    assert.deepEqual(disposed, [])
    a.release()
    assert.deepEqual(disposed, [a.instance])
    a.release() // an extra release is harmless
    assert.deepEqual(disposed, [a.instance])
    // The evicted key gets a new instance, never the old one.
    b.release()
    const again = await lease(cache.acquire('a', undefined))
    assert.notEqual(again.instance, a.instance)
    assert.deepEqual(disposed, [a.instance, b.instance])
  })

  test('waiters of a creation evicted at once keep their lease until release', async () => {
    const { cache, disposed } = setup({ max: 1 }, async (key) => {
      await sleep(1)
      return app(key)
    })
    const [a, b] = await Promise.all([
      lease(cache.acquire('a', undefined)),
      lease(cache.acquire('b', undefined)),
    ])
    assert.equal(cache.size, 1)
    assert.deepEqual(disposed, [])
    a.release()
    b.release()
    assert.equal(disposed.length, 1)
  })

  test('negative results are cached for negativeTtl, then the factory is asked again', async () => {
    const { cache, calls } = setup({ negativeTtl: 40 }, () => null)
    const first = cache.acquire('nobody', undefined)
    assert.ok(first instanceof Promise)
    assert.equal(await first, null)
    assert.equal(cache.acquire('nobody', undefined), null)
    assert.equal(cache.size, 1)
    assert.deepEqual(cache.instances(), [])
    assert.equal(calls.length, 1)
    await sleep(60)
    assert.ok(cache.acquire('nobody', undefined) instanceof Promise)
    assert.equal(calls.length, 2)
  })

  test('negativeTtl 0 does not cache negative results', async () => {
    const { cache, calls } = setup({ negativeTtl: 0 }, () => undefined)
    assert.equal(await cache.acquire('x', undefined), null)
    assert.equal(await cache.acquire('x', undefined), null)
    assert.equal(calls.length, 2)
    assert.equal(cache.size, 0)
  })

  test('negative entries are bounded by max', async () => {
    const { cache } = setup({ max: 100 }, () => null)
    for (let i = 0; i < 10_000; i++) await cache.acquire(`scan-${i}`, undefined)
    assert.ok(cache.size <= 100, `size ${cache.size}`)
  })

  for (const [name, factory] of [
    [
      'throws',
      () => {
        throw new Error('boom')
      },
    ],
    ['rejects', async () => Promise.reject(new Error('boom'))],
  ] as const) {
    test(`a factory that ${name} rejects every waiter, reports once, caches nothing`, async () => {
      let fail = true
      const { cache, calls, events } = setup({}, (key) => (fail ? factory() : app(key)))
      // A synchronous throw settles at once; only a rejection has concurrent waiters.
      const count = name === 'throws' ? 1 : 3
      const waiters = Array.from({ length: count }, () => cache.acquire('k', undefined))
      for (const w of waiters) await assert.rejects(Promise.resolve(w), { message: 'boom' })
      assert.equal(calls.length, 1)
      assert.equal(events.length, 1)
      assert.equal(events[0]?.[0], 'error')
      assert.equal((events[0]?.[1] as Error | undefined)?.message, 'boom')
      assert.deepEqual(events[0]?.slice(2), ['k', 'create'])
      assert.equal(cache.size, 0)
      fail = false
      assert.equal((await lease(cache.acquire('k', undefined))).instance.key, 'k')
      assert.equal(calls.length, 2)
    })
  }

  test('createTimeout rejects with a TimeoutError; a late instance is disposed, never served', async () => {
    const late = deferred<App>()
    let slow = true
    const { cache, calls, events, disposed } = setup({ createTimeout: 20 }, (key) =>
      slow ? late.promise : app(key),
    )
    const started = Date.now()
    await assert.rejects(Promise.resolve(cache.acquire('slow', undefined)), (error: Error) => {
      assert.equal(error.name, 'TimeoutError')
      assert.match(error.message, /"slow"/)
      assert.match(error.message, /20 ms/)
      return true
    })
    assert.ok(Date.now() - started >= 15)
    assert.equal(events.filter((e) => e[0] === 'error').length, 1)
    assert.equal(cache.size, 0)
    slow = false
    const fresh = await lease(cache.acquire('slow', undefined))
    const orphan = app('slow')
    late.resolve(orphan)
    await sleep(1)
    assert.deepEqual(disposed, [orphan])
    assert.equal(hit(cache.acquire('slow', undefined)).instance, fresh.instance)
    assert.equal(calls.length, 2)
    assert.equal(events.filter((e) => e[0] === 'error').length, 1)
  })

  test('a factory failing after its timeout is not reported twice', async () => {
    const late = deferred<App>()
    const { cache, events } = setup({ createTimeout: 10 }, () => late.promise)
    await assert.rejects(Promise.resolve(cache.acquire('k', undefined)), { name: 'TimeoutError' })
    late.reject(new Error('too late'))
    await sleep(1)
    assert.equal(events.filter((e) => e[0] === 'error').length, 1)
  })

  test('dispose runs exactly once per instance across invalidate, close and extra releases', async () => {
    const { cache, disposed } = setup()
    const a = await lease(cache.acquire('a', undefined))
    hit(cache.acquire('a', undefined))
    cache.invalidate('a')
    assert.equal(cache.invalidate('a'), false)
    const closing = cache.close()
    a.release()
    a.release()
    a.release()
    await closing
    assert.deepEqual(disposed, [a.instance])
  })

  test('a dispose that throws or rejects is reported with phase dispose, close still resolves', async () => {
    const errors: unknown[][] = []
    const cache = new InstanceCache<App>(app, {
      dispose: (instance) => {
        if (instance.key === 'sync') throw new Error('sync dispose')
        return Promise.reject(new Error('async dispose'))
      },
    })
    cache.on('error', (...args) => errors.push(args))
    ;(await lease(cache.acquire('sync', undefined))).release()
    ;(await lease(cache.acquire('async', undefined))).release()
    assert.equal(cache.invalidate('sync'), true)
    await cache.close()
    assert.deepEqual(
      errors.map(([error, key, phase]) => [(error as Error).message, key, phase]),
      [
        ['sync dispose', 'sync', 'dispose'],
        ['async dispose', 'async', 'dispose'],
      ],
    )
  })

  test('idleTimeout evicts unused instances, never busy ones', async () => {
    const { cache, disposed, events } = setup({ idleTimeout: 30 })
    const a = await lease(cache.acquire('a', undefined))
    a.release()
    const busy = await lease(cache.acquire('busy', undefined))
    await sleep(80)
    assert.deepEqual(
      cache.instances().map((i) => i.key),
      ['busy'],
    )
    assert.deepEqual(disposed, [a.instance])
    assert.deepEqual(
      events.filter((e) => e[0] === 'evict'),
      [['evict', 'a', a.instance, 'idle']],
    )
    busy.release()
    await sleep(80)
    assert.equal(cache.size, 0)
    assert.deepEqual(disposed, [a.instance, busy.instance])
  })

  test('the clock: whole milliseconds, never ahead of real time, about TICK behind at most', async () => {
    const start = performance.now()
    let lag = 0
    let moved = 0
    let last = now()
    while (performance.now() - start < 60) {
      await new Promise((resolve) => setImmediate(resolve))
      const t = now()
      const real = performance.now()
      assert.ok(Number.isInteger(t), `${t} is not whole`)
      assert.ok(t <= real, `${t} is ahead of ${real}`)
      lag = Math.max(lag, real - t)
      if (t !== last) moved++
      last = t
    }
    // Timers may fire late on a busy machine: the bound is loose, the movement is not.
    assert.ok(lag < TICK + 40, `lagged ${lag} ms`)
    assert.ok(moved >= 2, `moved ${moved} times in 60 ms`)
  })

  test('idle expiry never comes early, though the shared clock lags', async () => {
    // Keys released 3 ms apart, each requested again 5 ms before its idleTimeout: none may
    // have expired. A key this machine could not request in time is not checked.
    const { cache, events } = setup({ idleTimeout: 60 })
    const released = new Map<string, number>()
    for (let i = 0; i < 12; i++) {
      const key = `k${i}`
      ;(await lease(cache.acquire(key, undefined))).release()
      released.set(key, performance.now())
      await sleep(3)
    }
    const checked: string[] = []
    for (const [key, at] of released) {
      while (performance.now() - at < 55) await new Promise((resolve) => setImmediate(resolve))
      if (performance.now() - at >= 59) continue
      const again = cache.acquire(key, undefined)
      assert.ok(!(again instanceof Promise) && again !== null, `${key} expired early`)
      again.release()
      checked.push(key)
    }
    assert.ok(checked.length > 0, 'no key could be requested in time')
    const early = events.filter((e) => e[0] === 'evict' && checked.includes(e[1] as string))
    assert.deepEqual(early, [])
  })

  test('invalidate swaps a live instance gracefully', async () => {
    const { cache, disposed, events, calls } = setup()
    const old = await lease(cache.acquire('k', undefined))
    assert.equal(cache.invalidate('k'), true)
    assert.deepEqual(events.at(-1), ['evict', 'k', old.instance, 'invalidate'])
    const fresh = await lease(cache.acquire('k', undefined))
    assert.notEqual(fresh.instance, old.instance)
    assert.deepEqual(disposed, [])
    old.release()
    assert.deepEqual(disposed, [old.instance])
    assert.equal(cache.invalidate('unknown'), false)
    assert.equal(calls.length, 2)
  })

  test('invalidate clears a negative entry', async () => {
    let known = false
    const { cache, calls } = setup({}, (key) => (known ? app(key) : null))
    assert.equal(await cache.acquire('k', undefined), null)
    known = true
    assert.equal(cache.acquire('k', undefined), null)
    assert.equal(cache.invalidate('k'), true)
    assert.equal(cache.size, 0)
    assert.equal((await lease(cache.acquire('k', undefined))).instance.key, 'k')
    assert.equal(calls.length, 2)
  })

  test('invalidate during creation: waiters are served, nothing is cached, disposed after release', async () => {
    const gate = deferred<void>()
    const { cache, calls, disposed, events } = setup({}, async (key) => {
      await gate.promise
      return app(key)
    })
    const waiting = [cache.acquire('k', undefined), cache.acquire('k', undefined)]
    assert.equal(cache.invalidate('k'), true)
    const next = cache.acquire('k', undefined)
    gate.resolve()
    const [l1, l2] = await Promise.all(waiting.map((w) => lease(w)))
    const fresh = await lease(next)
    assert.equal(calls.length, 2)
    assert.equal(l1, l2)
    assert.notEqual(l1?.instance, fresh.instance)
    assert.equal(hit(cache.acquire('k', undefined)).instance, fresh.instance)
    const stale = l1 as Lease<App>
    assert.ok(events.some((e) => e[0] === 'evict' && e[2] === stale.instance))
    stale.release()
    assert.deepEqual(disposed, [])
    stale.release()
    assert.deepEqual(disposed, [stale.instance])
  })

  test('instances() reports key, age, idle, inFlight and requests of live entries', async () => {
    const { cache } = setup({}, (key) => (key === 'none' ? null : app(key)))
    await cache.acquire('none', undefined)
    const a = await lease(cache.acquire('a', undefined))
    hit(cache.acquire('a', undefined)).release()
    a.release()
    await sleep(25)
    hit(cache.acquire('a', undefined))
    const [info, ...rest] = cache.instances()
    assert.deepEqual(rest, [])
    assert.ok(info)
    assert.equal(info.key, 'a')
    assert.equal(info.inFlight, 1)
    assert.equal(info.requests, 3)
    assert.equal(info.idle, 0)
    assert.ok(info.age >= 20, `age ${info.age}`)
    a.release()
    await sleep(15)
    const idle = cache.instances()[0]?.idle ?? 0
    assert.ok(idle >= 10 && idle < info.age + 1000, `idle ${idle}`)
  })

  test('close() evicts all and waits for leases and async disposes; acquire then throws', async () => {
    const order: string[] = []
    const cache = new InstanceCache<App>(app, {
      dispose: async (instance) => {
        await sleep(10)
        order.push(`disposed ${instance.key}`)
      },
    })
    const reasons: string[] = []
    cache.on('evict', (key, _instance, reason) => reasons.push(`${key}:${reason}`))
    ;(await lease(cache.acquire('idle', undefined))).release()
    const busy = await lease(cache.acquire('busy', undefined))
    const closing = cache.close().then(() => order.push('closed'))
    assert.equal(cache.close(), cache.close())
    assert.equal(cache.size, 0)
    assert.deepEqual(reasons.sort(), ['busy:close', 'idle:close'])
    assert.throws(() => cache.acquire('idle', undefined), /closed/)
    await sleep(30)
    assert.deepEqual(order, ['disposed idle'])
    busy.release()
    await closing
    assert.deepEqual(order, ['disposed idle', 'disposed busy', 'closed'])
  })

  test('close() waits for a creation in progress, serves its waiters, then disposes it', async () => {
    const gate = deferred<void>()
    const { cache, disposed } = setup({}, async (key) => {
      await gate.promise
      return app(key)
    })
    const waiting = cache.acquire('k', undefined)
    let closed = false
    const closing = cache.close().then(() => {
      closed = true
    })
    gate.resolve()
    const l = await lease(waiting)
    await sleep(1)
    assert.equal(closed, false)
    l.release()
    await closing
    assert.deepEqual(disposed, [l.instance])
    assert.equal(cache.size, 0)
  })

  test('without an error listener failures are logged once, never thrown', async (t) => {
    const logged = t.mock.method(console, 'error', () => {})
    const cache = new InstanceCache<App>(
      (key) => {
        if (key === 'bad') throw new Error('create failed')
        return app(key)
      },
      {
        dispose: () => {
          throw new Error('dispose failed')
        },
      },
    )
    await assert.rejects(Promise.resolve(cache.acquire('bad', undefined)), /create failed/)
    assert.equal(logged.mock.callCount(), 1)
    ;(await lease(cache.acquire('ok', undefined))).release()
    await cache.close()
    assert.equal(logged.mock.callCount(), 2)
    const [message] = logged.mock.calls[1]?.arguments ?? []
    assert.match(String(message), /^lazy\(\): dispose failed for key "ok"/)
  })

  test('validates options with a TypeError naming the option', () => {
    const bad: [CacheOptions<App>, RegExp][] = [
      [{ max: 0 }, /^lazy\(\): max must be an integer >= 1, got 0$/],
      [{ max: 1.5 }, /max must be an integer >= 1, got 1.5/],
      [{ max: Number.POSITIVE_INFINITY }, /max must be/],
      [{ max: '10' as unknown as number }, /max must be an integer >= 1, got "10"/],
      [{ idleTimeout: 'soon' }, /^lazy\(\): idleTimeout must be/],
      [{ negativeTtl: -1 }, /negativeTtl must be/],
      [{ createTimeout: '1 week' }, /createTimeout must be/],
      [{ dispose: 'close' as unknown as () => void }, /dispose must be a function/],
    ]
    for (const [options, message] of bad) {
      assert.throws(() => new InstanceCache(app, options), { name: 'TypeError', message })
    }
    assert.throws(() => new InstanceCache(app, { max: 0 }, 'subdomains()'), {
      message: /^subdomains\(\): max/,
    })
    assert.throws(() => new InstanceCache(null as unknown as Factory<App, unknown>), {
      name: 'TypeError',
      message: /factory must be a function/,
    })
  })
})

/** global.gc, or one exposed at run time; undefined if neither works. */
function getGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc
  if (typeof exposed === 'function') return exposed
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return undefined
  }
}

describe('InstanceCache cost', () => {
  test('bookkeeping stays under 1 KiB per live instance', async (t) => {
    const gc = getGc()
    const n = 100_000
    const keys = Array.from({ length: n }, (_, i) => `tenant-${i}`)
    const apps = keys.map((key, id) => ({ key, id }))
    const cache = new InstanceCache<App, number>((_, i) => apps[i], { max: n })
    gc?.()
    const before = process.memoryUsage().heapUsed
    // A synchronous factory's instance is cached before acquire returns.
    for (let i = 0; i < n; i++) void cache.acquire(keys[i] as string, i)
    await sleep(1)
    gc?.()
    const bytes = (process.memoryUsage().heapUsed - before) / n
    assert.equal(cache.size, n)
    t.diagnostic(`${bytes.toFixed(0)} bytes of bookkeeping per live instance (${n} instances)`)
    if (gc === undefined) t.skip('no gc: run with --expose-gc to assert the figure')
    else assert.ok(bytes <= 1024, `${bytes} bytes per instance`)
  })

  test('micro-benchmark: ns per synchronous hit (acquire + release)', async (t) => {
    const rounds = 1_000_000
    for (const live of [1, 1000, 100_000]) {
      const keys = Array.from({ length: live }, (_, i) => `tenant-${i}.example.com`)
      const cache = new InstanceCache<App>(app, { max: live })
      for (const key of keys) (await lease(cache.acquire(key, undefined))).release()
      // Random order, so large caches pay their real memory cost.
      const order = Array.from({ length: rounds }, () => keys[(Math.random() * live) | 0] as string)
      const run = () => {
        const start = process.hrtime.bigint()
        for (let i = 0; i < rounds; i++) {
          const l = cache.acquire(order[i] as string, undefined) as Lease<App>
          l.release()
        }
        return Number(process.hrtime.bigint() - start) / rounds
      }
      const map = new Map(keys.map((key) => [key, { inFlight: 0 }]))
      const baseline = () => {
        const start = process.hrtime.bigint()
        for (let i = 0; i < rounds; i++)
          (map.get(order[i] as string) as { inFlight: number }).inFlight++
        return Number(process.hrtime.bigint() - start) / rounds
      }
      run() // warm up
      baseline()
      const ns = Math.min(run(), run())
      const mapNs = Math.min(baseline(), baseline())
      t.diagnostic(
        `${ns.toFixed(1)} ns per hit (acquire + release) with ${live} live keys; a bare Map.get: ${mapNs.toFixed(1)} ns`,
      )
      assert.equal(cache.size, live)
    }
  })
})

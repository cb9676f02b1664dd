// Micro-benchmark: cost of one dispatch decision (context + resolve + release) through
// subdomains() with 1, 1,000 and 100,000 live tenants, against the same work on a Map.
// Run: node --import tsx --expose-gc bench/resolve.ts
import type { IncomingMessage } from 'node:http'
import { NodeContext } from '../src/context.ts'
import { resolveTarget } from '../src/dispatcher.ts'
import { subdomains } from '../src/index.ts'

const hello = () => new Response('hello')

async function measure(live: number): Promise<void> {
  const app = subdomains('example.com', () => hello, { max: live + 10 })
  const hosts = Array.from({ length: live }, (_, i) => `t${i}.example.com`)
  for (let i = 0; i < live; i += 1000) {
    await Promise.all(
      hosts
        .slice(i, i + 1000)
        .map((host) => app.fetch(new Request(`http://${host}/`)).then((r) => r.arrayBuffer())),
    )
  }
  globalThis.gc?.()
  const before = process.memoryUsage().heapUsed
  const reqs = hosts.map(
    (host) => ({ url: '/x', method: 'GET', headers: { host } }) as unknown as IncomingMessage,
  )
  const rounds = 2_000_000
  for (let pass = 0; pass < 2; pass++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < rounds; i++) {
      const req = reqs[(i * 7919) % live] as IncomingMessage
      const ctx = new NodeContext(req, false)
      const leaf = resolveTarget(app, ctx)
      if (leaf instanceof Promise) throw new Error('a warm tenant must resolve synchronously')
      ctx.release()
    }
    const ns = Number(process.hrtime.bigint() - start) / rounds
    if (pass === 1)
      console.log(`${String(live).padStart(7)} live tenants: ${ns.toFixed(0)} ns per dispatch`)
  }
  void before
  await app.close()
}

for (const live of [1, 1_000, 100_000]) await measure(live)

// Micro-benchmark of dispatch decisions alone (context + resolve + release, no HTTP) with
// 1, 1,000 and 100,000 keys, and of the cache's memory per live instance.
//   node --import tsx --expose-gc bench/resolve.ts      (npm run bench:resolve)
import type { IncomingMessage } from 'node:http'
import { resolve as resolveTarget, toTarget } from '../src/core/leaf.ts'
import { NodeContext } from '../src/entry/node-context.ts'
import { type Dispatcher, fetchApp, hosts, mount, paths, subdomains } from '../src/index.ts'

const SIZES = [1, 1_000, 100_000]
const ROUNDS = 2_000_000
const hello = () => new Response('hello')
const gc = globalThis.gc ?? (() => {})

/** What NodeContext reads of a request: url, method, headers and rawHeaders. */
const fakeRequest = (url: string, host: string) =>
  ({
    url,
    method: 'GET',
    headers: { host },
    rawHeaders: ['Host', host],
  }) as unknown as IncomingMessage

/** Runs one request through `app`; a miss creates the instance first. */
async function dispatch(app: Dispatcher, req: IncomingMessage): Promise<void> {
  const ctx = new NodeContext(req, false)
  const leaf = resolveTarget(toTarget(app, 'bench'), ctx)
  if (leaf instanceof Promise) await leaf
  ctx.release()
}

/** ns per decision over `reqs`, visited in a scattered order; the second of two passes. */
function time(decide: (req: IncomingMessage) => void, reqs: IncomingMessage[]): number {
  let ns = 0
  for (let pass = 0; pass < 2; pass++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < ROUNDS; i++) decide(reqs[(i * 7919) % reqs.length] as IncomingMessage)
    ns = Number(process.hrtime.bigint() - start) / ROUNDS
  }
  return ns
}

const decide = (app: Dispatcher) => (req: IncomingMessage) => {
  const ctx = new NodeContext(req, false)
  if (resolveTarget(toTarget(app, 'bench'), ctx) instanceof Promise)
    throw new Error('a warm key must resolve at once')
  ctx.release()
}

const tenantReqs = (n: number) =>
  Array.from({ length: n }, (_, i) => fakeRequest('/x', `t${i}.example.com`))

const cases: Record<string, (n: number) => Promise<[Dispatcher, IncomingMessage[]]>> = {
  'subdomains (warm)': async (n) => {
    const app = subdomains('example.com', () => hello, { max: n })
    const reqs = tenantReqs(n)
    for (const req of reqs) await dispatch(app, req)
    return [app, reqs]
  },
  'paths (warm)': async (n) => {
    const app = paths(null, () => hello, { max: n })
    const reqs = Array.from({ length: n }, (_, i) => fakeRequest(`/k${i}/x`, 'localhost'))
    for (const req of reqs) await dispatch(app, req)
    return [app, reqs]
  },
  'hosts (exact names)': async (n) => {
    const app = hosts(Array.from({ length: n }, (_, i) => [`t${i}.example.com`, hello] as const))
    return [app, tenantReqs(n)]
  },
}

const cell = (s: string) => s.padStart(10)
console.log(
  `ns per dispatch decision${' '.repeat(7)}${SIZES.map((n) => cell(n.toLocaleString('en-US'))).join('')}`,
)
for (const [name, make] of Object.entries(cases)) {
  const row: string[] = []
  for (const n of SIZES) {
    const [app, reqs] = await make(n)
    row.push(cell(time(decide(app), reqs).toFixed(0)))
    await app.close()
  }
  console.log(`${name.padEnd(31)}${row.join('')}`)
}
{
  // The floor: parse the Host and probe a Map of as many keys.
  const row: string[] = []
  for (const n of SIZES) {
    const reqs = tenantReqs(n)
    const map = new Map(reqs.map((req, i) => [req.headers.host as string, i]))
    let sink = 0
    row.push(
      cell(time((req) => (sink += map.get(req.headers.host as string) ?? 0), reqs).toFixed(0)),
    )
    if (sink < 0) console.log(sink)
  }
  console.log(`${'Map.get(host), for reference'.padEnd(31)}${row.join('')}`)
}
{
  const app = mount(null, { '/api': hello, '/admin': hello, '/backend': hello })
  const ns = time(decide(app), [fakeRequest('/backend/x', 'localhost')])
  console.log(`mount, 3 prefixes: ${ns.toFixed(0)} ns`)
}

/** Heap bytes per live instance of one shared app object, beyond the app itself. */
async function bytesPerInstance(app: unknown): Promise<number> {
  const n = 100_000
  const reqs = tenantReqs(n)
  const dispatcher = subdomains('example.com', () => app as () => Response, { max: n })
  gc()
  gc()
  const before = process.memoryUsage().heapUsed
  for (const req of reqs) await dispatch(dispatcher, req)
  gc()
  gc()
  const bytes = (process.memoryUsage().heapUsed - before) / n
  await dispatcher.close()
  return bytes
}

if (globalThis.gc === undefined) console.log('memory: run with --expose-gc to measure')
else {
  const plain = await bytesPerInstance(hello)
  const leaf = await bytesPerInstance(fetchApp(hello))
  console.log(
    `cache bookkeeping per live instance (100,000 live): ${plain.toFixed(0)} bytes when the factory returns a plain function (switchyard wraps each in a Leaf), ${leaf.toFixed(0)} bytes when it returns an already wrapped app`,
  )
}

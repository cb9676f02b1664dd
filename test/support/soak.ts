// The soak loop shared by test/soak.test.ts (10 s) and bench/soak.ts (`npm run soak`, 60 s):
// keep-alive connections hammer a subdomains() tree with far more tenants than `max`, so
// instances are created and evicted all the time, and every response is checked against
// the Host it was sent for. One tenant in seven takes a few ms to create, so creations
// overlap; the peaks of instances in existence (live + draining) and of concurrent
// creations are checked against the cache's documented bounds (src/cache/cache.ts).
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { type App, fetchApp, node, subdomains } from '../../src/index.ts'
import { toNodeListener } from '../../src/node.ts'

export interface SoakOptions {
  seconds: number
  connections: number
  tenants: number
  max: number
  /** Passed to subdomains(); default: `connections`, so no request is refused as busy. */
  maxCreating?: number
}

export interface SoakResult {
  requests: number
  /** Non-200 answers, failed requests, bodies that are no tenant's key. */
  errors: number
  /** Answers from another tenant's instance than the Host asked for. */
  crossTenant: number
  /** Requests that reached an instance after its dispose() ran. */
  servedAfterDispose: number
  creates: number
  evictions: number
  disposes: number
  /** 503 answers with Retry-After: a creation refused by the cache's bounds. */
  busy: number
  /** Most instances in existence at once (created, not yet disposed: live + draining). */
  peakInstances: number
  /** Most factory calls in progress at once. */
  peakCreating: number
  /** What those peaks must stay within: max + maxCreating, and maxCreating. */
  bounds: { instances: number; creating: number }
  /** Resident set size in MiB: at the start, a third of the way in, and at the end. */
  rss: { start: number; settled: number; end: number }
  firstErrors: string[]
}

export const SOAK_DEFAULTS: SoakOptions = {
  seconds: 60,
  connections: 128,
  tenants: 10_000,
  max: 100,
}

const mib = () => Math.round(process.memoryUsage().rss / 2 ** 20)

export async function soak(options: SoakOptions): Promise<SoakResult> {
  const r: SoakResult = {
    ...{ requests: 0, errors: 0, crossTenant: 0, servedAfterDispose: 0, creates: 0 },
    ...{ evictions: 0, disposes: 0, rss: { start: mib(), settled: 0, end: 0 }, firstErrors: [] },
    ...{ busy: 0, peakInstances: 0, peakCreating: 0, bounds: { instances: 0, creating: 0 } },
  }
  const maxCreating = options.maxCreating ?? options.connections
  r.bounds = { instances: options.max + maxCreating, creating: maxCreating }
  let creating = 0
  const disposed = new WeakSet<object>()
  const error = (what: string) => {
    r.errors++
    if (r.firstErrors.length < 10) r.firstErrors.push(what)
  }

  // Each instance answers with the key it was created for; half Node, half Fetch apps.
  // `/slow` answers a few ms later, so instances are often evicted while busy: the check
  // for "served after dispose" runs when the answer is written.
  const build = (key: string): App => {
    let app: App
    const answer = async (path: string) => {
      if (path === '/slow') await sleep(5)
      if (disposed.has(app)) r.servedAfterDispose++
      return key
    }
    app =
      Number(key.slice(1)) % 2
        ? node(async (req: IncomingMessage, res: ServerResponse) =>
            res.end(await answer(req.url ?? '/')),
          )
        : fetchApp(
            async (request: Request) => new Response(await answer(new URL(request.url).pathname)),
          )
    return app
  }
  const create = async (key: string): Promise<App> => {
    creating++
    r.peakCreating = Math.max(r.peakCreating, creating)
    try {
      if (Number(key.slice(1)) % 7 === 0) await sleep(1 + Math.random() * 3)
      return build(key)
    } finally {
      creating--
    }
  }
  const tenants = subdomains('example.com', create, {
    max: options.max,
    maxCreating,
    dispose: (app) => {
      disposed.add(app as object)
      r.disposes++
    },
  })
  tenants.on('create', () => {
    r.creates++
    r.peakInstances = Math.max(r.peakInstances, r.creates - r.disposes)
  })
  tenants.on('evict', () => r.evictions++)

  const server = createServer(
    { keepAliveTimeout: 30_000 },
    toNodeListener(tenants, { onError: (e) => error(String(e)) }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections })

  const get = (key: string, path: string) =>
    new Promise<[number, string, boolean]>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, agent, headers: { host: `${key}.example.com` } },
        (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            body += chunk
          })
          res.on('end', () =>
            resolve([res.statusCode ?? 0, body, res.headers['retry-after'] !== undefined]),
          )
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end()
    })

  const started = Date.now()
  const deadline = started + options.seconds * 1000
  const settle = setTimeout(
    () => {
      r.rss.settled = mib()
    },
    (options.seconds * 1000) / 3,
  )
  const worker = async () => {
    while (Date.now() < deadline) {
      const key = `t${Math.floor(Math.random() * options.tenants)}`
      r.requests++
      try {
        const [status, body, retryAfter] = await get(key, Math.random() < 0.125 ? '/slow' : '/')
        if (status === 200 && body === key) continue
        if (status === 503 && retryAfter) {
          r.busy++
          continue
        }
        if (status === 200 && /^t\d+$/.test(body)) r.crossTenant++
        else error(`${key}: ${status} ${body.slice(0, 80)}`)
      } catch (e) {
        error(`${key}: ${String(e)}`)
      }
    }
  }
  await Promise.all(Array.from({ length: options.connections }, worker))
  clearTimeout(settle)
  r.rss.end = mib()
  agent.destroy()
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
  // Instances still live at the end are evicted ('close') and disposed now.
  await tenants.close()
  return r
}

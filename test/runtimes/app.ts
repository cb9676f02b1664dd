// The fixture every runtime serves (test/runtimes.test.ts checks it over HTTP).
// It imports the root entry's source for the type checker; the runtime build
// (build.ts) swaps that import for the minified root bundle, so each runtime runs
// exactly what `npm run bundle` produces.
//
//   example.test                  apex: a mount of Hono apps and fetchApp leaves
//     /                           Hono: "apex"
//     /stats                      Hono: factory calls per key, as JSON
//     /api/v2/*                   Hono: what the leaf sees (path, query, prefix, mountInfo)
//     /outer/inner/*              the same app under a nested mount
//     /echo                       fetchApp: length and sha256 of a POST body
//     /stream?n=&ms=              fetchApp: a ReadableStream of n chunks, ms apart
//   {key}.example.test            subdomains: one Hono tenant per key, created lazily
//     missing*                    factory gives null: 404, negative result cached 200ms
//     boom*                       factory throws: 503, not cached
//     anything else               a tenant; idle for 400ms, it is created anew
import { Hono } from 'hono'
import { fetchApp, mount, mountInfo, notFound, subdomains } from '../../src/index.ts'

export const DOMAIN = 'example.test'
export const NEGATIVE_TTL = '200ms'
export const IDLE_TIMEOUT = '400ms'

const hex = (buffer: ArrayBuffer): string =>
  Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('')

async function digest(request: Request): Promise<{ length: number; sha256: string }> {
  const body = await request.arrayBuffer()
  return { length: body.byteLength, sha256: hex(await crypto.subtle.digest('SHA-256', body)) }
}

function describe(request: Request) {
  const url = new URL(request.url)
  const info = mountInfo(request)
  return {
    path: url.pathname,
    search: url.search,
    prefix: request.headers.get('x-forwarded-prefix'),
    basePath: info?.basePath,
    infoPath: info?.path,
    originalUrl: info?.originalUrl,
    key: info?.key ?? null,
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function createApp() {
  /** Factory calls per key: re-creation after expiry shows as a higher count. */
  const calls: Record<string, number> = {}

  const api = new Hono()
  api.get('*', (c) => c.json(describe(c.req.raw)))

  const home = new Hono()
  home.get('/', (c) => c.text('apex'))
  home.get('/stats', (c) => c.json(calls))

  const echo = fetchApp(async (request: Request) => {
    if (request.method !== 'POST') return new Response('POST only\n', { status: 405 })
    return Response.json(await digest(request))
  })

  const stream = fetchApp((request: Request) => {
    const query = new URL(request.url).searchParams
    const n = Number(query.get('n') ?? 5)
    const ms = Number(query.get('ms') ?? 50)
    let i = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (i > 0) await sleep(ms)
        controller.enqueue(new TextEncoder().encode(`chunk ${i}\n`))
        if (++i === n) controller.close()
      },
    })
    return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
  })

  const apex = mount(home, {
    '/api/v2': api,
    '/outer': mount(notFound(), { '/inner': api }),
    '/echo': echo,
    '/stream': stream,
  })

  const tenant = (key: string, instance: number) => {
    const app = new Hono()
    app.get('/', (c) => c.json({ key, instance, info: describe(c.req.raw) }))
    app.post('/echo', async (c) => c.json({ key, ...(await digest(c.req.raw)) }))
    return mount(app, { '/api': api })
  }

  return subdomains(
    DOMAIN,
    (key) => {
      const instance = (calls[key] ?? 0) + 1
      calls[key] = instance
      if (key.startsWith('missing')) return null
      if (key.startsWith('boom')) throw new Error(`tenant ${key} failed to start`)
      return tenant(key, instance)
    },
    { apex, negativeTtl: NEGATIVE_TTL, idleTimeout: IDLE_TIMEOUT },
  )
}

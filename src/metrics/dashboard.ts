// The live dashboard: one static page (inline CSS and script, no external asset) that polls
// a JSON document of the dispatch tree, its instances and the latest requests, and POSTs
// invalidations. Served by `switchyard dev` at /__switchyard/ and by `serve --metrics`.
import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { BadPath, parseTarget } from '../parse/path.ts'
import { DASHBOARD_SCRIPT, DASHBOARD_STYLE, dashboardPage } from './dashboard-page.ts'
import { buildState, type DashboardState, type ProcessReport } from './dashboard-state.ts'
import type { RecentRequest } from './recent.ts'

export interface DashboardSource {
  /** One report per serving process (one per worker): its snapshot, or why there is none. */
  snapshots(): Promise<ProcessReport[]>
  /** The latest requests, oldest first (may be empty). */
  requests(): Promise<RecentRequest[]>
  /** Absent: the dashboard is read-only (no buttons, POST answers 405). */
  invalidate?(pid: number, id: number, key?: string): Promise<number>
}

export interface DashboardOptions {
  /** The path the dashboard is served under, e.g. `/__switchyard/` or `/`. */
  base: string
  /** How long a source may take before the process is shown as not answering (ms). */
  timeout?: number
}

/** Where the page polls and POSTs, relative to the base. */
export const STATE_PATH = 'api/state'
export const INVALIDATE_PATH = 'api/invalidate'

const PAGE = dashboardPage()
const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`
// The page needs nothing but its own inline script and style and same-origin fetches:
// whatever a tenant key holds, nothing else can run, load or frame it.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `default-src 'none'; script-src ${hash(DASHBOARD_SCRIPT)}; style-src ${hash(DASHBOARD_STYLE)}; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

/** Reads every process's state; one that takes longer than `timeout` is shown as such. */
export async function readDashboardState(
  source: DashboardSource,
  timeout = 3000,
): Promise<DashboardState> {
  const [reports, requests] = await Promise.all([
    within(source.snapshots(), timeout).catch((error): ProcessReport[] => [
      { pid: undefined, error: messageOf(error) },
    ]),
    within(source.requests(), timeout).catch((): RecentRequest[] => []),
  ])
  return buildState(reports, requests, source.invalidate === undefined)
}

export function dashboardHandler(
  source: DashboardSource,
  options: DashboardOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const base = options.base.replace(/\/*$/, '/')
  if (!base.startsWith('/')) throw new TypeError(`dashboardHandler: base must start with "/"`)
  return (req, res) => {
    const target = parseTarget(req.url ?? '/')
    const path = target instanceof BadPath ? undefined : target.path
    if (path === base.slice(0, -1) && base !== '/') {
      res.writeHead(308, { location: base + (target as { query: string }).query }).end()
      return
    }
    const route = path?.startsWith(base) ? path.slice(base.length) : undefined
    const method = req.method ?? 'GET'
    const reading = method === 'GET' || method === 'HEAD'
    if (route === '') {
      if (!reading) return sendJson(res, 405, { error: 'GET only' }, { allow: 'GET, HEAD' })
      res.writeHead(200, PAGE_HEADERS).end(PAGE)
    } else if (route === STATE_PATH) {
      if (!reading) return sendJson(res, 405, { error: 'GET only' }, { allow: 'GET, HEAD' })
      readDashboardState(source, options.timeout).then(
        (state) => sendJson(res, 200, state),
        (error) => sendJson(res, 500, { error: messageOf(error) }),
      )
    } else if (route === INVALIDATE_PATH) {
      if (source.invalidate === undefined) {
        sendJson(res, 405, { error: 'this dashboard is read-only' }, { allow: 'GET, HEAD' })
      } else if (method !== 'POST') {
        sendJson(res, 405, { error: 'POST only' }, { allow: 'POST' })
      } else {
        invalidateFrom(req, res, source.invalidate.bind(source)).catch(() => res.destroy())
      }
    } else {
      sendJson(res, 404, { error: `no such dashboard path: ${req.url}` })
    }
  }
}

type Invalidate = NonNullable<DashboardSource['invalidate']>

async function invalidateFrom(req: IncomingMessage, res: ServerResponse, invalidate: Invalidate) {
  const refusal = crossSiteRefusal(req)
  if (refusal !== undefined) return sendJson(res, refusal.status, { error: refusal.error })
  const body = await readBody(req, 4096)
  if (body === undefined) return sendJson(res, 413, { error: 'the body is over 4 KiB' })
  let parsed: { pid?: unknown; id?: unknown; key?: unknown }
  try {
    parsed = JSON.parse(body) ?? {}
  } catch {
    return sendJson(res, 400, { error: 'the body is not JSON' })
  }
  const { pid, id, key } = parsed
  if (
    !Number.isInteger(pid) ||
    !Number.isInteger(id) ||
    !(key === undefined || typeof key === 'string')
  ) {
    return sendJson(res, 400, { error: 'expected { pid: integer, id: integer, key?: string }' })
  }
  try {
    const invalidated = await invalidate(pid as number, id as number, key as string | undefined)
    sendJson(res, 200, { invalidated })
  } catch (error) {
    sendJson(res, 502, { error: messageOf(error) })
  }
}

/**
 * Mutations come from the dashboard's own page only. A JSON content type cannot be sent
 * cross-site without a CORS preflight (which is never granted), and browsers name the
 * page's origin: it must be this server's own.
 */
export function crossSiteRefusal(
  req: IncomingMessage,
): { status: number; error: string } | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') {
    return { status: 415, error: 'a mutation needs Content-Type: application/json' }
  }
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { status: 403, error: `cross-site request refused (Sec-Fetch-Site: ${site})` }
  }
  const origin = req.headers.origin
  if (origin === undefined) return undefined
  const host = req.headers.host?.toLowerCase()
  let from: URL | undefined
  try {
    from = new URL(origin)
  } catch {}
  const same = from !== undefined && /^https?:$/.test(from.protocol) && from.host === host
  return same ? undefined : { status: 403, error: `cross-site request refused (Origin: ${origin})` }
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        resolve(undefined)
        req.pause()
      } else chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString()))
    req.on('error', reject)
  })
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  // `<` escaped: the JSON stays inert even if something renders it as HTML.
  const text = JSON.stringify(body).replace(/</g, '\\u003c')
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(status === 413 ? { connection: 'close' } : {}),
    ...headers,
  })
  res.end(text)
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

// `switchyard routes [entry]`: prints the dispatch tree, like `flask routes`, with the
// routes inside the apps whose framework lists them; with --url, the tree of a running
// server (its dashboard's JSON), live instances and counts included.
import { routePath } from '../core/app-routes.ts'
import { describeTarget, isDispatcher, type Target, toTarget } from '../core/leaf.ts'
import type { RouteNode } from '../core/types.ts'
import { StartedApp } from '../dispatch/dispatcher.ts'
import { STATE_PATH } from '../metrics/dashboard.ts'
import type { DashboardNode, DashboardState } from '../metrics/dashboard-state.ts'
import { loadEntry, parseEntry } from '../server/load-app.ts'
import { parseCommandArgs, runCommand, UsageError } from './args.ts'

const HELP = `Usage: switchyard routes [entry] [options]

Prints the dispatch tree of the app the entry exports: mount prefixes, host patterns,
lazy dispatchers with their live keys, and the app at every leaf, with the routes inside
Express, Hono and Fastify apps (methods, and the full path under their mount). Fastify
instances are made ready() for it, so that their plugins' routes count; none listens.

Options:
      --url <url>  print the tree of a running server instead, with its counts and live
                   instances: its dashboard, e.g. http://localhost:5000/__switchyard/
                   (switchyard dev) or http://127.0.0.1:9100/ (serve --metrics)
  -h, --help       show this help`

export function routesCommand(args: string[]): Promise<number> {
  return runCommand(HELP, async () => {
    const { values, positionals } = parseCommandArgs('routes', args, {
      url: { type: 'string' },
    })
    if (values.help) {
      console.log(HELP)
      return 0
    }
    const url = values.url as string | undefined
    if (url !== undefined) {
      if (positionals.length > 0) {
        throw new UsageError('switchyard routes: give an entry or --url, not both')
      }
      const state = await readState(url)
      for (const failure of state.processes.filter((p) => p.error !== undefined)) {
        console.error(`switchyard routes: pid ${failure.pid ?? '?'}: ${failure.error}`)
      }
      if (state.tree === undefined) throw new Error(`no serving process answered at ${url}`)
      const multi = state.processes.length > 1
      process.stdout.write(formatRoutes(state.tree, (node) => liveDetails(node, multi)))
      return 0
    }
    const entry = parseEntry(positionals[0])
    const target = toTarget(await loadEntry(entry), 'routes')
    const started = await startApps(target)
    try {
      process.stdout.write(formatRoutes(describeTarget(target)))
    } finally {
      await Promise.all(started.map((app) => app.close()))
    }
    return 0
  })
}

/** Fetches a dashboard's state document; errors say what answered instead. */
export async function readState(url: string): Promise<DashboardState> {
  let base: URL
  try {
    base = new URL(url)
  } catch {
    throw new UsageError(`switchyard routes: --url must be an http:// URL, got "${url}"`)
  }
  if (!/^https?:$/.test(base.protocol)) {
    throw new UsageError(`switchyard routes: --url must be an http:// URL, got "${url}"`)
  }
  base.search = ''
  base.hash = ''
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  const target = new URL(STATE_PATH, base)
  let response: Response
  try {
    response = await fetch(target, { signal: AbortSignal.timeout(10_000) })
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    const reason = cause?.code ?? cause?.message ?? (error as Error).message
    throw new Error(`could not reach ${target}: ${reason}`)
  }
  const type = response.headers.get('content-type') ?? 'no content type'
  const body: unknown = await response.json().catch(() => undefined)
  if (!response.ok || (body as Partial<DashboardState> | undefined)?.dashboard !== 'switchyard') {
    throw new Error(
      `${target} is not a switchyard dashboard (HTTP ${response.status}, ${type}); give the dashboard's URL, e.g. http://localhost:5000/__switchyard/`,
    )
  }
  return body as DashboardState
}

/**
 * Fastify adds the routes of plugins at ready(): each instance in the tree is started (as
 * `flask routes` builds the app; no server listens) and closed once printed. One that fails
 * to start is listed with the routes it had.
 */
async function startApps(root: Target): Promise<StartedApp[]> {
  const found: StartedApp[] = []
  const visit = (target: Target): void => {
    if (target instanceof StartedApp) found.push(target)
    else if (isDispatcher(target)) for (const child of target._children()) visit(child)
  }
  visit(root)
  await Promise.all(
    found.map((app) =>
      app._ready().catch((error: Error) => {
        const reason = (error.cause as Error | undefined)?.message ?? error.message
        console.error(`switchyard routes: ${app.routes().label} did not start: ${reason}`)
      }),
    ),
  )
  return found
}

type Details = (node: RouteNode) => { counts?: string; lines?: string[] }

/** Renders a route tree with box-drawing branches, one node a line (details beneath). */
export function formatRoutes(root: RouteNode, details?: Details): string {
  const lines = [describe(root, details)]
  // `prefix`: the path the mounts above put a node under (host patterns add none).
  const more = (node: RouteNode, indent: string, prefix: string): void => {
    const extra = [...routeLines(node, prefix), ...(details?.(node).lines ?? [])]
    const bar = (node.children?.length ?? 0) > 0 ? '│  ' : '   '
    for (const line of extra) lines.push(`${indent}${bar}${line}`.trimEnd())
  }
  const walk = (node: RouteNode, indent: string, prefix: string): void => {
    const children = node.children ?? []
    children.forEach(({ match, node: child }, i) => {
      const last = i === children.length - 1
      lines.push(
        `${indent}${last ? '└─ ' : '├─ '}${printable(match)}  →  ${describe(child, details)}`,
      )
      const inner = indent + (last ? '   ' : '│  ')
      const under =
        node.kind === 'mount' && match.startsWith('/') ? routePath(prefix, match) : prefix
      more(child, inner, under)
      walk(child, inner, under)
    })
  }
  more(root, '', '')
  walk(root, '', '')
  return `${lines.join('\n')}\n`
}

/** An app's routes as `flask routes` lists them: the methods in a column, the full path. */
function routeLines(node: RouteNode, prefix: string): string[] {
  const routes = node.routes ?? []
  const methods = routes.map((route) => printable(route.methods.join(',')))
  const width = Math.max(0, ...methods.map((text) => text.length))
  return routes.map(
    (route, i) =>
      `${(methods[i] as string).padEnd(width)}  ${printable(routePath(prefix, route.path))}`,
  )
}

function describe(node: RouteNode, details?: Details): string {
  const kind = printable(node.kind)
  const text = node.kind === node.label ? kind : `${printable(node.label)} [${kind}]`
  const counts = details?.(node).counts
  return counts === undefined ? text : `${text}  ·  ${counts}`
}

/** A running server's counts on each dispatcher, its instances beneath a lazy one. */
function liveDetails(node: DashboardNode, multi: boolean): { counts?: string; lines?: string[] } {
  if (node.requests === undefined) return {}
  const classes = Object.entries(node.requests).filter(([, n]) => n > 0)
  const counts =
    classes.length === 0 ? 'no requests' : classes.map(([c, n]) => `${c} ${n}`).join(', ')
  const lazy = node.lazy
  if (lazy === undefined) return { counts }
  const evicted = Object.values(lazy.evictions).reduce((a, b) => a + b, 0)
  const mean =
    lazy.creationSeconds.count === 0 ? 0 : lazy.creationSeconds.sum / lazy.creationSeconds.count
  const summary = [
    `${lazy.live} live of ${lazy.max}`,
    lazy.draining > 0 ? `${lazy.draining} draining` : '',
    `${plural(lazy.hits, 'hit')}, ${plural(lazy.misses, 'miss', 'misses')}`,
    `${lazy.creations} created${lazy.creations > 0 ? ` (mean ${milliseconds(mean * 1000)})` : ''}`,
    plural(lazy.factoryErrors, 'factory error'),
    `${evicted} evicted`,
  ].filter((part) => part !== '')
  const keys = lazy.instances.map((i) => (i.key === '' ? "''" : printable(i.key)))
  const width = Math.max(0, ...keys.map((key) => key.length))
  const rows = lazy.instances.map((instance, i) =>
    [
      `  ${(keys[i] as string).padEnd(width)}`,
      multi ? `pid ${instance.pid}` : '',
      `age ${milliseconds(instance.age)}`,
      `idle ${milliseconds(instance.idle)}`,
      `in flight ${instance.inFlight}`,
      `requests ${instance.requests}`,
    ]
      .filter((part) => part !== '')
      .join('  '),
  )
  return { counts, lines: [summary.join(', '), ...rows] }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

function milliseconds(ms: number): string {
  if (ms < 1) return ms === 0 ? '0 ms' : 'under 1 ms'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`
  return `${(ms / 3_600_000).toFixed(1)} h`
}

// Tenant keys and URLs come from clients: no control or bidi character reaches the terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

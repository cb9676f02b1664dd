// The routes inside an app, where its framework exposes them, for `switchyard routes`:
// Express 4 and 5 apps and routers (their layer stacks), Hono (`app.routes`), Fastify (its
// route table). Read by shape: the root entry imports no framework. Koa keeps no route
// table, and an Express app mounted in another with use() hides its own in a closure.
import { isFastify } from './frameworks.ts'
import type { AppRoute } from './types.ts'

/** Methods by path, in the order the app declared them. */
type Table = Map<string, string[]>

/** The app's own routes, relative to where it is mounted; undefined when it exposes none. */
export function appRoutes(app: unknown): AppRoute[] | undefined {
  const table: Table = new Map()
  try {
    if (typeof app === 'function') {
      const router = expressRouter(app as ExpressLike)
      if (router === undefined) return undefined
      expressRoutes(router, '', table, 0)
    } else if (typeof app === 'object' && app !== null) {
      if (typeof (app as Partial<FastifyRoutes>).printRoutes === 'function' && isFastify(app)) {
        fastifyRoutes(app as unknown as FastifyRoutes, table)
      } else if (isHono(app)) {
        honoRoutes(app, table)
      } else return undefined
    } else return undefined
  } catch {
    // A framework's internals moved: the tree without this app's routes, not no tree.
    return undefined
  }
  return [...table].map(([path, methods]) => ({ methods, path }))
}

/** `path` under `prefix`: `/admin` + `/list`, and `/admin` itself for the app's `/`. */
export function routePath(prefix: string, path: string): string {
  const base = prefix.replace(/\/+$/, '')
  if (path === '' || path === '/') return base === '' ? '/' : base
  return base + (path.startsWith('/') ? path : `/${path}`)
}

function add(table: Table, path: string, methods: string[]): void {
  const known = table.get(path) ?? []
  for (const method of methods) if (!known.includes(method)) known.push(method)
  table.set(path, known)
}

// Both Express and Hono answer HEAD with their GET route; `.all()` is ALL in both.
function httpMethods(names: string[]): string[] {
  const methods = names.map((name) =>
    /^(?:\*|_all|all)$/i.test(name) ? 'ALL' : name.toUpperCase(),
  )
  const get = methods.indexOf('GET')
  if (get >= 0 && !methods.includes('HEAD')) methods.splice(get + 1, 0, 'HEAD')
  return methods
}

// --- Express 4 and 5 ---------------------------------------------------------------------

interface ExpressLayer {
  route?: { path: unknown; methods: Record<string, boolean> }
  handle?: { stack?: unknown }
  /** Router 2.3+ (Express 5): the path given to use() or route(). */
  rawPath?: unknown
  /** Router 2.0-2.2: set when use() had no path. */
  slash?: boolean
  /** Express 4: the compiled path, and its parameters' names. */
  regexp?: RegExp & { fast_slash?: boolean }
  keys?: Array<{ name: string | number; optional?: boolean }>
}

interface ExpressRouter {
  stack: ExpressLayer[]
  /** Router 2.3+: the routes and mounted routers, public. */
  listRoutes?(): Array<{ path: unknown; methods?: string[]; router?: ExpressRouter }>
}

interface ExpressLike {
  stack?: unknown
  handle?: unknown
  set?: unknown
  lazyrouter?: unknown
  _router?: ExpressRouter
  router?: ExpressRouter
}

function expressRouter(app: ExpressLike): ExpressRouter | undefined {
  if (Array.isArray(app.stack)) return app as ExpressRouter // express.Router()
  if (typeof app.handle !== 'function' || typeof app.set !== 'function') return undefined
  // Express 4 makes `_router` on first use and throws on reading `router`; 5 makes `router`.
  const router = typeof app.lazyrouter === 'function' ? app._router : app.router
  return Array.isArray(router?.stack) ? router : { stack: [] }
}

function expressRoutes(router: ExpressRouter, prefix: string, table: Table, depth: number): void {
  if (depth > 32) return // a router mounted in itself
  if (typeof router.listRoutes === 'function') {
    for (const entry of router.listRoutes()) {
      const path = routePath(prefix, pathText(entry.path))
      if (entry.router !== undefined) expressRoutes(entry.router, path, table, depth + 1)
      else if (entry.methods !== undefined) add(table, path, httpMethods(entry.methods))
    }
    return
  }
  for (const layer of router.stack) {
    const route = layer.route
    if (route !== undefined) {
      const methods = httpMethods(Object.keys(route.methods).filter((m) => route.methods[m]))
      for (const path of paths(route.path)) add(table, routePath(prefix, path), methods)
    } else if (Array.isArray(layer.handle?.stack)) {
      const nested = layer.handle as ExpressRouter
      for (const path of mountPaths(layer)) {
        expressRoutes(nested, routePath(prefix, path), table, depth + 1)
      }
    }
  }
}

function paths(path: unknown): string[] {
  return Array.isArray(path) ? path.flat(Infinity).map(pathText) : [pathText(path)]
}

function pathText(path: unknown): string {
  return typeof path === 'string' ? path : String(path)
}

// Where use() mounted a router. Router 2.0-2.2 keep no path but for use() without one:
// `…` stands for the prefix that cannot be read.
function mountPaths(layer: ExpressLayer): string[] {
  if (layer.rawPath !== undefined) return paths(layer.rawPath)
  if (layer.regexp instanceof RegExp) return fromRegexp(layer.regexp, layer.keys ?? [])
  return [layer.slash === true ? '' : '…']
}

// Express 4 compiles use('/in/:id') to /^\/in\/(?:([^\/]+?))\/?(?=\/|$)/i (path-to-regexp
// 0.1.7; 0.1.13 writes (?:\/([^/]+?))), `*` to (.*), arrays as alternatives. Undecodable:
// the regexp itself.
const PARAM = /(?:\\\/)?\(\?:(?:\\\/)?\(\[\^\\?\/\]\+\?\)\)(\?)?|\(\.\*\)/g
const END = /\\\/\?\(\?=\\\/\|\$\)$|\(\?=\\\/\|\$\)$/

function fromRegexp(
  regexp: RegExp & { fast_slash?: boolean },
  keys: ExpressLayer['keys'],
): string[] {
  if (regexp.fast_slash === true) return ['']
  let source = regexp.source
  if (source.startsWith('(?:^') && source.endsWith(')')) source = source.slice(3, -1)
  let key = 0
  return source.split(/(?<=\(\?=\\\/\|\$\))\|/).map((part) => {
    let path = part.replace(/^\^/, '').replace(END, '')
    path = path.replace(PARAM, (match, optional?: string) => {
      const name = keys?.[key]?.name ?? key
      key++
      return match === '(.*)' ? '*' : `/:${String(name)}${optional ?? ''}`
    })
    if (/[()[\]|+^$]/.test(path.replace(/\\./g, ''))) return String(regexp)
    return path.replace(/\\(.)/g, '$1')
  })
}

// --- Hono ---------------------------------------------------------------------------------

interface HonoLike {
  fetch: unknown
  routes: Array<{ method?: unknown; path?: unknown; handler?: unknown }>
}

function isHono(app: object): app is HonoLike {
  const h = app as Partial<HonoLike>
  return typeof h.fetch === 'function' && Array.isArray(h.routes)
}

// use() lists its middleware as ALL routes too: those taking `next` are left out, as Hono's
// own showRoutes() does (it looks through the wrapper route() puts on a sub-app's handlers).
function honoRoutes(app: HonoLike, table: Table): void {
  for (const { method, path, handler } of app.routes) {
    if (typeof method !== 'string' || typeof path !== 'string') continue
    if (method.toUpperCase() === 'ALL' && takesNext(handler)) continue
    add(table, path, httpMethods([method]))
  }
}

function takesNext(handler: unknown): boolean {
  let target = handler
  while (typeof target === 'function' && '__COMPOSED_HANDLER' in target) {
    target = target.__COMPOSED_HANDLER
  }
  return typeof target === 'function' && target.length > 1
}

// --- Fastify ------------------------------------------------------------------------------

interface FastifyRoutes {
  printRoutes(options: object): string
  supportedMethods?: unknown
}

// Its router is private, and an onRoute hook sees only routes added after it: the table
// is read from printRoutes(), whose default tree has one line per node of find-my-way's
// radix tree (`├── items/`, `│   └── :id (GET, HEAD)`), each node's key the part of the
// path it adds; a node's routes under other constraints follow on lines without a branch.
// Routes registered in plugins appear once the instance is ready().
const LINE = /^((?:│ {3}| {4})*)(├── |└── )?(.*)$/
const NODE = /^(.*?)(?: \(([A-Z][A-Z0-9_-]*(?:, [A-Z][A-Z0-9_-]*)*)\)(?: \{.*)?)?$/

function fastifyRoutes(app: FastifyRoutes, table: Table): void {
  const above: string[] = []
  let last = ''
  for (const line of app.printRoutes({}).split('\n')) {
    const [, indent = '', branch, rest = ''] = LINE.exec(line) ?? []
    const [, key = '', methods] = NODE.exec(rest) ?? []
    if (branch !== undefined) {
      const depth = indent.length / 4
      above.length = depth
      last = (above[depth - 1] ?? '') + (key === '(empty root node)' ? '' : key)
      above.push(last)
    }
    if (methods !== undefined) add(table, last, methods.split(', '))
  }
  // all() registers every method Fastify supports: one ALL, as the other frameworks say.
  const all = app.supportedMethods
  if (!Array.isArray(all) || all.length === 0) return
  for (const [path, methods] of table) {
    if (all.every((method) => methods.includes(method))) table.set(path, ['ALL'])
  }
}

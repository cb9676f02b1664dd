// The Fetch entry's invokers: one per leaf kind. Fetch leaves get a rewritten Request; the
// built-in answers are made here; Node leaves are replayed over HTTP/1.1 by the replay that
// `switchyard/node` installs, so this file (and the root entry) needs no node:* module.

import type { EntryConfig } from '../core/config.ts'
import type { DispatchContext } from '../core/context.ts'
import { HttpError } from '../core/errors.ts'
import { attachContext } from '../core/info.ts'
import type { FetchLeaf, Leaf, LeafKind, StatusLeaf } from '../core/leaf.ts'
import { isResponse } from '../core/response.ts'
import { urlPathStart } from '../parse/path.ts'
import { statusResponse } from './fetch-answer.ts'

/** Invokes a leaf with a Fetch Request; the entry awaits, bounds and funnels the result. */
export type FetchInvoker<L extends Leaf = Leaf> = (
  leaf: L,
  ctx: DispatchContext,
  request: Request,
  rest: unknown[],
  config: EntryConfig,
) => Response | Promise<Response>

let replay: FetchInvoker | undefined
let loading: Promise<unknown> | undefined

/**
 * @internal Installed by `switchyard/node` (and the Node entry, and the replay module
 * itself when loaded): replays a request to a Node leaf.
 */
export function installNodeReplay(invoker: FetchInvoker): void {
  replay = invoker
}

// Node leaves behind fetch() with only the root entry imported: the replay module is
// loaded at run time where the runtime has Node's modules (Node 20.16+, Bun and Deno have
// process.getBuiltinModule), by a specifier no bundler follows, so this file and the root
// entry stay free of node:* imports and a Worker bundle never contains the Node half.
const toNode: FetchInvoker = (leaf, ctx, request, rest, config) => {
  if (replay !== undefined) return replay(leaf, ctx, request, rest, config)
  const proc = (globalThis as { process?: { getBuiltinModule?: unknown } }).process
  if (typeof proc?.getBuiltinModule !== 'function') {
    throw new TypeError(
      'A Node app behind fetch() needs node:http, which this runtime does not have (Node 20.16+, Bun and Deno do); serve Fetch apps only here',
    )
  }
  loading ??= import(nodeHalf()).catch((error: unknown) => {
    loading = undefined
    throw error
  })
  return loading.then(() => (replay as FetchInvoker)(leaf, ctx, request, rest, config))
}

/** The replay module beside this one: .ts from source, .js when built. */
function nodeHalf(): string {
  const here = import.meta.url
  return new URL(`./replay${here.slice(here.lastIndexOf('.'))}`, here).href
}

export const FETCH_INVOKERS: {
  readonly [K in LeafKind]: FetchInvoker<Extract<Leaf, { kind: K }>>
} = {
  fetch: invokeFetchLeaf,
  status: (leaf: StatusLeaf, _ctx, request) =>
    statusResponse(leaf.status, leaf.text, request.method),
  node: toNode,
  connect: toNode,
  server: toNode,
  // Forwarded as sent: the proxy writes the rest and the forwarding headers itself.
  proxy: (leaf, ctx, request, rest) => leaf.forwardFetch(request, ctx, rest),
}

function invokeFetchLeaf(
  leaf: FetchLeaf,
  ctx: DispatchContext,
  request: Request,
  rest: unknown[],
  config: EntryConfig,
): Promise<Response> {
  const rewritten = rewriteRequest(request, ctx)
  attachContext(rewritten, ctx)
  const result = leaf.handler(rewritten, ...rest)
  // A timeout answers the client, but the instance stays leased until the app is done.
  if (ctx.leased && result instanceof Promise) {
    ctx.hold()
    const unhold = () => ctx.unhold()
    result.then(unhold, unhold)
  }
  const bounded = config.timeout > 0 ? withTimeout(result, config.timeout) : result
  return Promise.resolve(bounded).then(checkResponse)
}

function checkResponse(response: unknown): Response {
  if (isResponse(response)) return response
  throw new TypeError(`The app returned ${describe(response)}, not a Response`)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value !== 'object') return typeof value
  return `an object (${(value as object).constructor?.name ?? 'no prototype'})`
}

/** Rejects with 504 when `result` takes longer than `ms`. */
export function withTimeout<T>(result: T | Promise<T>, ms: number): T | Promise<T> {
  if (!(result instanceof Promise)) return result
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HttpError(504, 'The app did not answer in time', { cause: timeout(ms) })),
      ms,
    )
  })
  return Promise.race([result, expired]).finally(() => clearTimeout(timer))
}

function timeout(ms: number): Error {
  const error = new Error(`No Response within ${ms} ms (the Fetch entry's timeout option)`)
  error.name = 'TimeoutError'
  return error
}

const XFP = 'x-forwarded-prefix'
const XFH = 'x-forwarded-host'

/**
 * The request as the leaf sees it: URL rewritten to the rest, X-Forwarded-Prefix set,
 * X-Forwarded-Host exactly the value routed on (or none), `host` the URL's. A normal
 * request at the root with none of those headers passes through untouched.
 */
function rewriteRequest(request: Request, ctx: DispatchContext): Request {
  const headers = request.headers
  const sentHost = headers.get('host')
  const hostAgrees = sentHost === null || sentHost === urlHost(request.url)
  const xfh = headers.get(XFH)
  const xfhAgrees = xfh === null ? ctx.forwardedHost === undefined : xfh === ctx.forwardedHost
  const xfp = headers.get(XFP)
  const rootPrefix = ctx.trustProxy ? ctx.forwardedPrefix('') || null : null
  const xfpAgrees = xfp === rootPrefix
  if (ctx.basePath === '' && ctx.exact && hostAgrees && xfhAgrees && xfpAgrees) return request
  const url = request.url
  const origin = url.slice(0, urlPathStart(url))
  // A Request passed as init carries method, headers, body (streamed), signal and the rest.
  const rewritten = new Request(origin + ctx.path + ctx.query, request)
  const target = rewritten.headers
  if (!hostAgrees) target.set('host', urlHost(url))
  if (!xfhAgrees) {
    if (ctx.forwardedHost === undefined) target.delete(XFH)
    else target.set(XFH, ctx.forwardedHost)
  }
  if (ctx.basePath !== '') target.set(XFP, ctx.forwardedPrefix(ctx.basePath))
  else if (rootPrefix === null) target.delete(XFP)
  else target.set(XFP, rootPrefix)
  return rewritten
}

function urlHost(url: string): string {
  return url.slice(url.indexOf('//') + 2, urlPathStart(url))
}

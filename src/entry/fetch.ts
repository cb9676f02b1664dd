// The Fetch entry: `dispatcher.fetch(request)` and toFetchHandler(). Resolve once, invoke
// the leaf by its kind, and answer every failure through the funnel: it never rejects.
import { type EntryConfig, entryConfig } from '../core/config.ts'
import { DispatchContext } from '../core/context.ts'
import { HttpError } from '../core/errors.ts'
import { type Leaf, resolve, statsOf, type Target, toTarget } from '../core/leaf.ts'
import { countUnresolved } from '../core/stats.ts'
import type { App, ErrorReporter } from '../core/types.ts'
import { FETCH_INVOKERS } from '../invoke/fetch.ts'
import { fetchAnswerer } from '../invoke/fetch-answer.ts'
import { fail } from '../invoke/funnel.ts'
import { releaseWithBody } from '../invoke/release-body.ts'
import { parseDuration } from '../parse/duration.ts'
import { BadHost } from '../parse/host.ts'
import { checkTargetAuthority, nodeHost } from '../parse/node-host.ts'
import { urlPathStart } from '../parse/path.ts'

export interface FetchEntryOptions {
  /** Trust X-Forwarded-Host and a client-sent X-Forwarded-Prefix; default false. */
  trustProxy?: boolean
  /** Where failures of apps are reported; default `console.error`. */
  onError?: ErrorReporter
  /**
   * How long to wait for an app's Response (ms or '30s'); then 504. Default '60s', 0 = no
   * bound. Only the Response's arrival is bounded, not a streamed body.
   */
  timeout?: number | string
}

export type FetchHandlerFn = (request: Request, ...rest: unknown[]) => Promise<Response>

const DEFAULTS = entryConfig({})

/** A Fetch handler for `app`, with entry options (`trustProxy`, `onError`, `timeout`). */
export function toFetchHandler(app: App, options: FetchEntryOptions = {}): FetchHandlerFn {
  const target = toTarget(app, 'toFetchHandler()')
  const config = entryConfig({
    trustProxy: options.trustProxy,
    onError: options.onError,
    timeout:
      options.timeout === undefined
        ? undefined
        : parseDuration(options.timeout, 'timeout', 'toFetchHandler()'),
  })
  return (request, ...rest) => dispatchFetch(target, request, rest, config)
}

/** Dispatches one Fetch request through `target`. Never rejects: failures become responses. */
export async function dispatchFetch(
  target: Target,
  request: Request,
  rest: unknown[],
  config: EntryConfig = DEFAULTS,
): Promise<Response> {
  let ctx: FetchContext | undefined
  try {
    ctx = new FetchContext(request, rest, config.trustProxy)
    void ctx.host // validated first, in every tree
    const resolved = resolve(target, ctx)
    const leaf: Leaf = resolved instanceof Promise ? await resolved : resolved
    ctx.leaf = leaf
    const invoke = FETCH_INVOKERS[leaf.kind] as (typeof FETCH_INVOKERS)['fetch']
    const response = await invoke(leaf as never, ctx, request, rest, config)
    ctx.count(response.status, undefined)
    return ctx.leased ? releaseWithBody(response, ctx, request.signal) : response
  } catch (error) {
    const answer = fail(error, ctx, config, fetchAnswerer(request, ctx?.originalUrl ?? request.url))
    countUnresolved(ctx, answer.status, statsOf(target))
    return answer
  }
}

// What @hono/node-server passes as the second argument when it serves a Fetch entry.
interface NodeBindings {
  incoming?: {
    url?: string
    headers: Record<string, string | string[] | undefined>
    rawHeaders: string[]
  }
}

export class FetchContext extends DispatchContext {
  readonly request: Request
  // Node leaves replayed for it answer into a Response, which dispatchFetch counts.
  override get countsAtEntry(): boolean {
    return true
  }

  constructor(request: Request, rest: unknown[], trustProxy: boolean) {
    const url = request.url
    super(url.slice(urlPathStart(url)), trustProxy)
    this.request = request
    // Served from a Node request (@hono/node-server): its Host fields are checked as the
    // Node entry checks them (HTTP/2 :authority against host, repeated Host, and an
    // absolute-form target against Host).
    const incoming = (rest[0] as NodeBindings | undefined)?.incoming
    if (incoming?.rawHeaders !== undefined) {
      const sent = nodeHost(incoming.headers, incoming.rawHeaders)
      if (sent instanceof BadHost) throw new HttpError(400, sent.message)
      const target = incoming.url
      if (target !== undefined && target.charCodeAt(0) !== 47) {
        const refused = checkTargetAuthority(target, sent)
        if (refused !== undefined) throw new HttpError(400, refused.message)
      }
    }
  }

  get method(): string {
    return this.request.method
  }

  // The runtime derived the URL from the request's authority; WHATWG already normalized it.
  protected rawHost(): string | undefined {
    const url = this.request.url
    return url.slice(url.indexOf('//') + 2, urlPathStart(url))
  }

  header(name: string): string | undefined {
    return this.request.headers.get(name) ?? undefined
  }
}

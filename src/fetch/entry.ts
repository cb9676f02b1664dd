// The Fetch entry: `dispatcher.fetch(request)` and toFetchHandler().
import type { Leaf, Target } from '../core/app.ts'
import { FetchContext } from '../core/context.ts'
import { describeError, type ErrorReporter, isReportable, logError } from '../core/errors.ts'
import { resolveTarget } from '../dispatch/dispatcher.ts'
import { invokeFetch } from './invoke.ts'

export interface FetchEntryOptions {
  /** Trust X-Forwarded-Host and a client-sent X-Forwarded-Prefix; default false. */
  trustProxy?: boolean
  /** Where failures of apps are reported; default `console.error`. */
  onError?: ErrorReporter
}

const DEFAULTS: Required<FetchEntryOptions> = { trustProxy: false, onError: logError }

/** Dispatches one Fetch request through `target`. Never rejects: failures become responses. */
export async function dispatchFetch(
  target: Target,
  request: Request,
  rest: unknown[],
  options: Required<FetchEntryOptions> = DEFAULTS,
): Promise<Response> {
  let ctx: FetchContext | undefined
  try {
    ctx = new FetchContext(request, options.trustProxy)
    const resolved = resolveTarget(target, ctx)
    const leaf: Leaf = resolved instanceof Promise ? await resolved : resolved
    return await invokeFetch(leaf, ctx, request, rest, options.onError)
  } catch (error) {
    ctx?.release()
    if (isReportable(error)) {
      options.onError(error, { method: request.method, url: ctx?.originalUrl ?? request.url })
    }
    return errorResponse(error)
  }
}

export function errorResponse(error: unknown): Response {
  const { status, text } = describeError(error)
  return new Response(`${text}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  })
}

// toFetchHandler(): the Fetch entry with options, for Fetch runtimes and servers.
import { type App, toTarget } from '../core/app.ts'
import { logError } from '../core/errors.ts'
import { dispatchFetch, type FetchEntryOptions } from './entry.ts'

export type FetchHandlerFn = (request: Request, ...rest: unknown[]) => Promise<Response>

/** A Fetch handler for `app`, with entry options (`trustProxy`, `onError`). */
export function toFetchHandler(app: App, options: FetchEntryOptions = {}): FetchHandlerFn {
  const target = toTarget(app, 'toFetchHandler()')
  const resolved = { trustProxy: options.trustProxy ?? false, onError: options.onError ?? logError }
  return (request, ...rest) => dispatchFetch(target, request, rest, resolved)
}

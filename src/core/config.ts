// An entry's resolved options: what every invoker and the failure funnel read.
import { logError } from './errors.ts'
import type { Leaf } from './leaf-kinds.ts'
import type { ErrorReporter } from './types.ts'

/**
 * Renders a 5xx answer: an HTML page, or a body sent with its own content-type (the dev
 * server's error page, JSON for a client that prefers it).
 */
export type ErrorRenderer = (
  error: unknown,
  request: RenderedRequest,
  status: number,
) => Promise<string | RenderedError>

/** A rendered answer that is not HTML. */
export interface RenderedError {
  body: string
  /** Its content-type, e.g. `application/json; charset=utf-8`. */
  type: string
}

/** What an error page may show of the request that failed: its own, and nothing else. */
export interface RenderedRequest {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
}

/** @internal */
export interface EntryConfig {
  /** Read X-Forwarded-Host and extend a sent X-Forwarded-Prefix. */
  readonly trustProxy: boolean
  readonly report: ErrorReporter
  readonly renderError: ErrorRenderer | undefined
  /** Fetch entry: ms to wait for the app's Response (504 after); 0 = no bound. */
  readonly timeout: number
  /** Node entry: @hono/node-server's global Request/Response override (its default). */
  readonly overrideGlobalObjects: boolean
  /** Node entry: the @hono/node-server listener for Fetch leaves, made on first use. */
  fetchBridge?: unknown
  /** Called with each leaf before it serves (the dev server's framework error hooks). */
  readonly prepareLeaf: ((leaf: Leaf, config: EntryConfig) => void) | undefined
}

/** The Fetch entry's default bound on waiting for an app's Response. */
export const DEFAULT_TIMEOUT = 60_000

export function entryConfig(options: {
  trustProxy?: boolean | undefined
  onError?: ErrorReporter | undefined
  renderError?: ErrorRenderer | undefined
  timeout?: number | undefined
  overrideGlobalObjects?: boolean | undefined
  prepareLeaf?: ((leaf: Leaf, config: EntryConfig) => void) | undefined
}): EntryConfig {
  return {
    trustProxy: options.trustProxy ?? false,
    report: options.onError ?? logError,
    renderError: options.renderError,
    timeout: options.timeout ?? DEFAULT_TIMEOUT,
    overrideGlobalObjects: options.overrideGlobalObjects ?? true,
    prepareLeaf: options.prepareLeaf,
  }
}

// toNodeListener(): the Node entry. Resolve once, invoke the leaf in its native form.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type EntryConfig, type ErrorRenderer, entryConfig } from '../core/config.ts'
import { type Leaf, resolve, statsOf, toTarget } from '../core/leaf.ts'
import { countUnresolved, type DispatcherStats } from '../core/stats.ts'
import type { App, ErrorReporter } from '../core/types.ts'
import { fetchBridge } from '../invoke/fetch-bridge.ts'
import { failNode, invokeNode, sentStatus } from '../invoke/node.ts'
import '../invoke/replay.ts'
import { responseGone } from '../invoke/response-state.ts'
import { NodeContext } from './node-context.ts'

export interface NodeListenerOptions {
  /**
   * Trust the proxy in front: read X-Forwarded-Host and extend a client-sent
   * X-Forwarded-Prefix. Off by default: those headers are then dropped or replaced.
   */
  trustProxy?: boolean
  /** Where failures of apps are reported; default `console.error`. */
  onError?: ErrorReporter
  /** Renders 5xx answers as HTML (the dev server's error page); default plain text. */
  renderError?: ErrorRenderer
  /**
   * Fetch apps run on @hono/node-server's lightweight global Request/Response, exactly as
   * @hono/node-server has it by default (about 2.5 × faster for small responses); `false`
   * leaves the globals alone. The override happens when the listener is made.
   */
  overrideGlobalObjects?: boolean
  /** @internal The dev server's framework error hooks. */
  prepareLeaf?: (leaf: Leaf, config: EntryConfig) => void
}

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void

/** A `(req, res)` listener for `http.createServer` (or `http2`'s compatibility API). */
export function toNodeListener(app: App, options: NodeListenerOptions = {}): NodeListener {
  const target = toTarget(app, 'toNodeListener()')
  const config = entryConfig(options)
  // Made now, so the override (if on) happens at setup rather than on a first request.
  fetchBridge(config)
  const root = statsOf(target)
  return (req, res) => {
    let ctx: NodeContext | undefined
    try {
      ctx = new NodeContext(req, config.trustProxy)
      void ctx.host // validated first, in every tree
      const leaf = resolve(target, ctx)
      if (leaf instanceof Promise) resolveLater(leaf, ctx, req, res, config, root)
      else invokeNode(leaf, ctx, req, res, config)
    } catch (error) {
      failUnresolved(error, ctx, req, res, config, root)
    }
  }
}

function resolveLater(
  leaf: Promise<Leaf>,
  ctx: NodeContext,
  req: IncomingMessage,
  res: ServerResponse,
  config: EntryConfig,
  root: DispatcherStats | undefined,
): void {
  leaf.then(
    (resolved) => invokeNode(resolved, ctx, req, res, config),
    (error) => failUnresolved(error, ctx, req, res, config, root),
  )
}

// No leaf was invoked, so the funnel's answer is the only one: count it here (on the
// root, if no dispatcher was reached: a malformed target or Host).
function failUnresolved(
  error: unknown,
  ctx: NodeContext | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  config: EntryConfig,
  root: DispatcherStats | undefined,
): void {
  failNode(error, ctx, req, res, config)
  if (ctx?.leaf !== undefined) return
  // An error page may be rendered asynchronously (dev): count what was sent, once sent.
  const count = () => countUnresolved(ctx, sentStatus(res), root)
  if (res.writableEnded || responseGone(res)) count()
  else res.once('close', count)
}

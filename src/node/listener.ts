// toNodeListener(): the Node entry. Resolve once, invoke the leaf in its native form.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type App, type Leaf, type NodeHandler, toTarget } from '../core/app.ts'
import { NodeContext } from '../core/context.ts'
import { type ErrorReporter, logError } from '../core/errors.ts'
import { resolveTarget } from '../dispatch/dispatcher.ts'
import { createFetchBridge } from './fetch-bridge.ts'
import { type ErrorRenderer, failNode, invokeNode, type NodeEntry } from './invoke.ts'

export interface NodeListenerOptions {
  /**
   * Trust the proxy in front: read X-Forwarded-Host and extend a client-sent
   * X-Forwarded-Prefix. Off by default: those headers are then ignored or replaced.
   */
  trustProxy?: boolean
  /** Where failures of apps are reported; default `console.error`. */
  onError?: ErrorReporter
  /** Renders 5xx answers as HTML (the dev server's error page); default plain text. */
  renderError?: ErrorRenderer
}

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void

/** A `(req, res)` listener for `http.createServer` that dispatches to `app`. */
export function toNodeListener(app: App, options: NodeListenerOptions = {}): NodeListener {
  const target = toTarget(app, 'toNodeListener()')
  const trustProxy = options.trustProxy ?? false
  const report = options.onError ?? logError
  const bridges = new WeakMap<Leaf, NodeHandler>()
  const entry: NodeEntry = {
    report,
    renderError: options.renderError,
    bridge(leaf) {
      let bridge = bridges.get(leaf)
      if (bridge === undefined) {
        bridge = createFetchBridge(leaf, entry)
        bridges.set(leaf, bridge)
      }
      return bridge
    },
  }

  return (req, res) => {
    let ctx: NodeContext
    try {
      ctx = new NodeContext(req, trustProxy)
      const leaf = resolveTarget(target, ctx)
      if (leaf instanceof Promise) {
        leaf.then(
          (resolved) => invokeNode(resolved, ctx, req, res, entry),
          (error) => {
            ctx.release()
            failNode(error, req, res, entry)
          },
        )
      } else {
        invokeNode(leaf, ctx, req, res, entry)
      }
    } catch (error) {
      failNode(error, req, res, entry)
    }
  }
}

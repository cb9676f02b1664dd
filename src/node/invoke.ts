// Invokes a resolved leaf with a Node req/res, and funnels its failures.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Leaf, NodeHandler } from '../core/app.ts'
import type { DispatchContext } from '../core/context.ts'
import { describeError, type ErrorReporter, HttpError, isReportable } from '../core/errors.ts'
import { attachedContext } from '../core/info.ts'
import { isThenable } from '../core/thenable.ts'
import { originalUrlOf, prepareNodeRequest } from './request.ts'

/** What an entry contributes to invoking a leaf. */
export interface NodeEntry {
  report: ErrorReporter
  /** Renders a 5xx as an HTML page (the dev server's error page); else plain text. */
  renderError?: ErrorRenderer
  /** A Node listener for a Fetch leaf; only entries that may reach Fetch leaves need it. */
  bridge(leaf: Leaf): NodeHandler
}

export function invokeNode(
  leaf: Leaf,
  ctx: DispatchContext,
  req: IncomingMessage,
  res: ServerResponse,
  entry: NodeEntry,
): void {
  prepareNodeRequest(req, ctx)
  if (ctx.leases !== undefined) {
    // The client may have gone while an instance was being created: no 'close' will come.
    if (res.destroyed || req.socket?.destroyed) {
      ctx.release()
      return
    }
    res.on('close', releaseOnClose)
  }
  try {
    let result: unknown
    if (leaf._kind === 'server') {
      ;(leaf._server as NonNullable<Leaf['_server']>).emit('request', req, res)
      return
    }
    if (leaf._node !== undefined) result = leaf._node(req, res)
    else result = entry.bridge(leaf)(req, res)
    if (isThenable(result)) result.then(undefined, (error) => failNode(error, req, res, entry))
  } catch (error) {
    failNode(error, req, res, entry)
  }
}

// Shared by every response: no closure per request. The context rides on the request.
function releaseOnClose(this: ServerResponse): void {
  attachedContext(this.req)?.release()
}

/**
 * The Node side of the error funnel: a status page if nothing was sent yet, else the
 * response is cut short (never corrupted), and the server goes on.
 */
export function failNode(
  error: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  entry: NodeEntry,
): void {
  if (isReportable(error)) {
    entry.report(error, { method: req.method ?? 'GET', url: originalUrlOf(req) })
  }
  if (res.headersSent || res.writableEnded) {
    if (!res.writableFinished) res.destroy()
    return
  }
  const { status, text } = describeError(error)
  const render = entry.renderError
  if (render !== undefined && status >= 500) {
    const cause = error instanceof HttpError && error.cause !== undefined ? error.cause : error
    render(cause, req, status).then(
      (html) => sendError(req, res, status, html, 'text/html; charset=utf-8'),
      () => sendError(req, res, status, `${text}\n`, 'text/plain; charset=utf-8'),
    )
    return
  }
  sendError(req, res, status, `${text}\n`, 'text/plain; charset=utf-8')
}

export type ErrorRenderer = (
  error: unknown,
  req: IncomingMessage,
  status: number,
) => Promise<string>

function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string,
  type: string,
): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(req.method === 'HEAD' ? undefined : body)
}

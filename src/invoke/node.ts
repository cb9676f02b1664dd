// The Node entry's invokers: one per leaf kind, each handing the leaf the original req/res
// (with the rewritten url). Failures, sync or async, go to the funnel.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EntryConfig } from '../core/config.ts'
import type { DispatchContext } from '../core/context.ts'
import { fromNextError } from '../core/errors.ts'
import { contextOf } from '../core/info.ts'
import { type Leaf, type LeafKind, NOT_FOUND } from '../core/leaf.ts'
import { isResponse } from '../core/response.ts'
import { isThenable } from '../core/thenable.ts'
import { fetchBridge } from './fetch-bridge.ts'
import { fail } from './funnel.ts'
import { nodeAnswerer, sendStatus } from './node-answer.ts'
import { prepareNodeRequest } from './node-request.ts'

type NodeInvoker<L extends Leaf> = (
  leaf: L,
  ctx: DispatchContext,
  req: IncomingMessage,
  res: ServerResponse,
  config: EntryConfig,
) => unknown

const INVOKERS: { readonly [K in LeafKind]: NodeInvoker<Extract<Leaf, { kind: K }>> } = {
  node: (leaf, _ctx, req, res) => leaf.handler(req, res),
  connect: (leaf, ctx, req, res, config) =>
    leaf.handler(req, res, finalNext(ctx, req, res, config)),
  server: (leaf, _ctx, req, res) => void leaf.server.emit('request', req, res),
  fetch: (_leaf, _ctx, req, res, config) => {
    // A Response's Content-Length is a claim (often stale after a body was decoded): a
    // body that disagrees cuts the connection instead of leaving bytes for the next
    // response on it.
    res.strictContentLength = true
    return fetchBridge(config)(req, res)
  },
  status: (leaf, _ctx, req, res) =>
    sendStatus(req, res, leaf.status, `${leaf.text}\n`, 'text/plain; charset=utf-8'),
  proxy: (leaf, ctx, req, res) => leaf.forwardNode(req, res, ctx),
}

/** Invokes `leaf` (already resolved into `ctx`) with the request and response. */
export function invokeNode(
  leaf: Leaf,
  ctx: DispatchContext,
  req: IncomingMessage,
  res: ServerResponse,
  config: EntryConfig,
): void {
  ctx.leaf = leaf
  config.prepareLeaf?.(leaf, config)
  prepareNodeRequest(req, ctx)
  // The client may have gone while an instance was being created: no 'close' will come.
  if (ctx.leased && gone(req, res)) {
    done(ctx, res)
    return
  }
  // The app's own hooks on its response (an end callback is a 'finish' listener), told from
  // those already there (Node's) by counting before and after the app runs.
  const hooks = ctx.leased ? appHooks(res) : 0
  let settled = true
  try {
    const invoke = INVOKERS[leaf.kind] as NodeInvoker<Leaf>
    const result = invoke(leaf, ctx, req, res, config)
    if (isResponse(result)) misclassified(ctx, req, res, config)
    else if (isThenable(result)) {
      settled = false
      // The instance stays leased until the app's promise settles, even if the client left.
      const held = ctx.leased
      if (held) ctx.hold()
      result.then(
        (value) => {
          if (held) ctx.unhold()
          if (isResponse(value)) misclassified(ctx, req, res, config)
        },
        (error) => {
          if (held) ctx.unhold()
          failNode(error, ctx, req, res, config)
        },
      )
    }
  } catch (error) {
    failNode(error, ctx, req, res, config)
  }
  if (res.writableEnded || gone(req, res)) {
    // A response already complete (or a client gone) without leases is counted now.
    if (!ctx.leased) {
      countAnswer(ctx, res)
      return
    }
    // The app answered synchronously and left nothing to run for this response: no promise,
    // no end callback, no 'finish' or 'close' listener of its own. Nothing of it can use
    // the instance after this, so the request is over for the lease now (only bytes
    // already handed to Node are still going out), and no 'close' listener is needed.
    if (settled && res.writableEnded && appHooks(res) === hooks) {
      done(ctx, res)
      return
    }
  }
  // Otherwise 'close' comes later (never within this call), unless the client had already
  // gone: leases are released, and the answer counted, then.
  res.on('close', onClose)
}

/** How many 'finish' and 'close' listeners the response has. */
function appHooks(res: ServerResponse): number {
  return res.listenerCount('finish') + res.listenerCount('close')
}

/** The response is over: leases released (after the app's promise, if held), answer counted. */
function done(ctx: DispatchContext, res: ServerResponse): void {
  ctx.release()
  countAnswer(ctx, res)
}

function gone(req: IncomingMessage, res: ServerResponse): boolean {
  return res.destroyed || req.socket?.destroyed === true
}

/** The status sent, or 0 if none was (the client left first). */
export function sentStatus(res: ServerResponse): number {
  return res.headersSent ? res.statusCode : 0
}

function countAnswer(ctx: DispatchContext, res: ServerResponse): void {
  if (!ctx.countsAtEntry) ctx.count(sentStatus(res), undefined)
}

export function failNode(
  error: unknown,
  ctx: DispatchContext | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  config: EntryConfig,
): void {
  fail(error, ctx, config, nodeAnswerer(req, res))
}

// Shared by every response: no closure per request. The context rides on the request.
function onClose(this: ServerResponse): void {
  for (let ctx = contextOf(this.req); ctx !== undefined; ctx = ctx.outer) done(ctx, this)
}

// A Workers-style `(request, env, ctx) => Response` has three parameters, so it was taken
// for Connect middleware: say so instead of leaving the client hanging.
function misclassified(
  ctx: DispatchContext,
  req: IncomingMessage,
  res: ServerResponse,
  config: EntryConfig,
): void {
  if (res.headersSent || res.writableEnded) return
  const error = new TypeError(
    'A Node handler returned a Response instead of writing to res: it was classified by its number of parameters; wrap a Fetch handler in fetchApp()',
  )
  failNode(error, ctx, req, res, config)
}

/**
 * Connect's final `next(err?)`: no error is a 404 (notFound()), an error goes to the
 * funnel with its own 4xx/5xx status. Called once; later calls are ignored.
 */
function finalNext(
  ctx: DispatchContext,
  req: IncomingMessage,
  res: ServerResponse,
  config: EntryConfig,
): (error?: unknown) => void {
  let called = false
  return (error?: unknown) => {
    if (called) return
    called = true
    // Express's 'route' and 'router' mean "skip the rest": nothing is left to run.
    if (error === undefined || error === null || error === 'route' || error === 'router') {
      if (res.headersSent || res.writableEnded) return
      return INVOKERS.status(NOT_FOUND, ctx, req, res, config) as undefined
    }
    failNode(fromNextError(error), ctx, req, res, config)
  }
}

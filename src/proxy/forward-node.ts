// The Node entry's forward: the client's req streams into undici's dispatch, and the
// upstream's answer streams into res, each with backpressure (a full res pauses the
// upstream connection; undici reads the request body only as the socket drains). A client
// that leaves aborts the upstream request; a response that breaks off mid-body is cut,
// never ended as if complete.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import type { ProxiedRequest } from '../core/leaf-kinds.ts'
import { responseGone } from '../invoke/response-state.ts'
import type { Upstream } from './core.ts'
import { isStaleConnection, upstreamError } from './failure.ts'
import { forwardHeaders, responseHeaders, type Sent } from './headers.ts'
import { reasonPhrase, relayEarlyHints, relayTrailers, trailersCanFollow } from './relay.ts'

/** Forwards one request; resolves when the response is complete, rejects with 502/504. */
export function forwardNode(
  up: Upstream,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ProxiedRequest,
): Promise<void> {
  return up.forward<void>(
    () => ({
      method: req.method as string,
      path: up.path(req.url as string),
      headers: forwardHeaders(req.rawHeaders, ctx, sentOf(req, ctx), up),
      body: hasBody(req) ? req : null,
    }),
    (resolve, reject, retry) => new NodeForward(up, res, resolve, reject, retry),
  )
}

/** What the Node request says of itself: the authority it came for, its peer, TLS. */
export function sentOf(req: IncomingMessage, ctx: ProxiedRequest): Sent {
  const socket = req.socket as (IncomingMessage['socket'] & { encrypted?: boolean }) | undefined
  return {
    host:
      ctx.forwardedHost ??
      (req.headers[':authority'] as string | undefined) ??
      (req.headers.host as string),
    address: socket?.remoteAddress,
    encrypted: socket?.encrypted === true,
  }
}

// A request has a body when it says how it is framed (RFC 9112 §6.3).
function hasBody(req: IncomingMessage): boolean {
  const headers = req.headers
  return headers['transfer-encoding'] !== undefined || headers['content-length'] !== undefined
}

class NodeForward implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined = undefined
  #settled = false
  readonly #up: Upstream
  readonly #res: ServerResponse
  readonly #resolve: () => void
  readonly #reject: (error: unknown) => void
  /** Sends the request once more: a kept-alive connection the upstream had just closed. */
  #retry: (() => void) | undefined

  constructor(
    up: Upstream,
    res: ServerResponse,
    resolve: () => void,
    reject: (error: unknown) => void,
    retry: (() => void) | undefined,
  ) {
    this.#up = up
    this.#res = res
    this.#resolve = resolve
    this.#reject = reject
    this.#retry = retry
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    const res = this.#res
    if (responseGone(res)) {
      controller.abort(new Error('the client left'))
      return
    }
    res.once('close', () => {
      // Before the answer was ended: the client left. (Not writableFinished: HTTP/2's
      // compatibility API reports a reset stream as finished.)
      if (!res.writableEnded) controller.abort(new Error('the client left'))
    })
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    // The upstream answered (a 1xx too): it read the request, which is not sent again.
    this.#retry = undefined
    if (status < 200) {
      // A 101 to a request that asked for no upgrade would hand the client a socket it
      // cannot use; 103 Early Hints pass on; other 1xx answers (102) are this hop's.
      if (status === 101) this.#fail(new Error('the upstream answered 101 to a plain request'))
      else if (status === 103) relayEarlyHints(this.#res, headers)
      return
    }
    try {
      const res = this.#res
      const fields = responseHeaders(headers)
      if (status === 204 || status === 304 || res.req.method === 'HEAD') {
        // No body by definition: the answer is complete now, whatever bytes the upstream
        // sends after it (a 204 with a Content-Length), which undici then reads as an error.
        if (status === 204) delete fields['content-length']
        res.writeHead(status, reasonPhrase(res, statusMessage), fields)
        res.end()
        this.#settle()
        return
      }
      if (headers.trailer !== undefined && trailersCanFollow(res, status, fields)) {
        fields.trailer = headers.trailer
      }
      res.writeHead(status, reasonPhrase(res, statusMessage), fields)
    } catch (error) {
      // A field Node refuses to write (invalid characters): nothing has gone out yet.
      controller.abort(error as Error)
      this.#fail(error)
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.#res
    if (!res.write(chunk)) {
      controller.pause()
      res.once('drain', () => controller.resume())
    }
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    relayTrailers(this.#res, trailers)
    this.#res.end()
    this.#settle()
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    // The client left first: nothing to answer, nothing to report.
    if (responseGone(this.#res) && !this.#res.writableEnded) this.#settle()
    else if (this.#retry !== undefined && isStaleConnection(error)) {
      this.#settled = true
      this.#retry()
    } else this.#fail(error)
  }

  #fail(error: unknown): void {
    if (this.#settled) return
    this.#settled = true
    this.#controller?.abort(error as Error)
    this.#reject(upstreamError(error, this.#up.target.label))
  }

  #settle(): void {
    if (this.#settled) return
    this.#settled = true
    this.#resolve()
  }
}

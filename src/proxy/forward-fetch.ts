// The Fetch entry's forward: the Request's body streams to the upstream, and the answer
// becomes a Response whose body is pulled from the upstream connection (a reader that
// stops reading pauses it). The Request's signal, and a cancelled body, abort it.
import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { ProxiedRequest } from '../core/leaf-kinds.ts'
import type { Upstream } from './core.ts'
import { isStaleConnection, upstreamError } from './failure.ts'
import { flatHeaders, forwardHeaders, responseHeaders, type Sent } from './headers.ts'

// What @hono/node-server passes as the second argument: the peer's address.
interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string; encrypted?: boolean } }
}

export function forwardFetch(
  up: Upstream,
  request: Request,
  ctx: ProxiedRequest,
  rest: unknown[],
): Promise<Response> {
  const socket = (rest[0] as NodeBindings | undefined)?.incoming?.socket
  const url = request.url
  const authority = url.slice(url.indexOf('//') + 2, url.indexOf('/', url.indexOf('//') + 2))
  const sent: Sent = {
    host: ctx.forwardedHost ?? authority,
    address: socket?.remoteAddress,
    encrypted: socket?.encrypted === true || url.startsWith('https:'),
  }
  return up.forward<Response>(
    () => ({
      method: request.method,
      path: up.path(ctx.path + ctx.query),
      headers: forwardHeaders(flatHeaders(request.headers), ctx, sent, up),
      // undici streams any async iterable (its types list only Node streams).
      body: request.body as unknown as Readable | null,
    }),
    (resolve, reject, retry) => new FetchForward(up, request, resolve, reject, retry),
  )
}

class FetchForward implements Dispatcher.DispatchHandler {
  #stream: ReadableStreamDefaultController<Uint8Array> | undefined = undefined
  #answered = false
  readonly #up: Upstream
  readonly #request: Request
  readonly #resolve: (response: Response) => void
  readonly #reject: (error: unknown) => void
  /** Sends the request once more: a kept-alive connection the upstream had just closed. */
  #retry: (() => void) | undefined

  constructor(
    up: Upstream,
    request: Request,
    resolve: (response: Response) => void,
    reject: (error: unknown) => void,
    retry: (() => void) | undefined,
  ) {
    this.#up = up
    this.#request = request
    this.#resolve = resolve
    this.#reject = reject
    this.#retry = retry
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    const signal = this.#request.signal
    if (signal.aborted) {
      controller.abort(new Error('the client left'))
      return
    }
    signal.addEventListener('abort', () => controller.abort(new Error('the client left')), {
      once: true,
    })
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[]>,
    statusMessage?: string,
  ): void {
    // The upstream answered (a 1xx too): it read the request, which is not sent again.
    this.#retry = undefined
    if (status < 200) {
      if (status === 101) this.onResponseError(controller, new Error('101 to a plain request'))
      return
    }
    try {
      const fields = new Headers()
      const kept = responseHeaders(headers)
      for (const name in kept) {
        const value = kept[name] as string | string[]
        if (Array.isArray(value)) for (const v of value) fields.append(name, v)
        else fields.append(name, value)
      }
      const empty = this.#request.method === 'HEAD' || status === 204 || status === 304
      const body = empty ? null : this.#body(controller)
      this.#answered = true
      this.#resolve(
        new Response(body, { status, statusText: statusMessage ?? '', headers: fields }),
      )
    } catch (error) {
      controller.abort(error as Error)
      this.onResponseError(controller, error as Error)
    }
  }

  #body(controller: Dispatcher.DispatchController): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      start: (stream) => {
        this.#stream = stream
      },
      pull: () => controller.resume(),
      cancel: (reason) => controller.abort(reason instanceof Error ? reason : new Error('cancel')),
    })
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const stream = this.#stream
    // A resumed close-delimited body can yield an empty read: enqueuing it would wake the
    // reader, which pulls, which resumes, which yields another, without end.
    if (stream === undefined || chunk.byteLength === 0) return
    stream.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    if ((stream.desiredSize ?? 0) <= 0) controller.pause()
  }

  onResponseEnd(): void {
    this.#stream?.close()
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (!this.#answered && this.#retry !== undefined && isStaleConnection(error)) {
      this.#answered = true
      this.#retry()
      return
    }
    const failure = upstreamError(error, this.#up.target.label)
    if (!this.#answered) {
      this.#answered = true
      this.#reject(failure)
      return
    }
    // Mid-body: the Response's body errors, so its reader (and the client) sees it cut.
    try {
      this.#stream?.error(failure)
    } catch {
      // Already closed or cancelled.
    }
  }
}

// A bound on how long an app may take to start answering: Node's own timeouts bound
// receiving a request, never an app that does not answer. One sweep a second, no timer
// per request; a response whose head has gone out is no longer watched (streams, SSE).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EntryConfig } from '../core/config.ts'
import { HttpError } from '../core/errors.ts'
import { contextOf } from '../core/info.ts'
import { failNode } from '../invoke/node.ts'

const SWEEP = 1_000

export class ResponseDeadline {
  readonly #timeout: number
  readonly #config: EntryConfig
  readonly #waiting = new Map<ServerResponse, number>()
  #timer: ReturnType<typeof setInterval> | undefined = undefined

  constructor(timeout: number, config: EntryConfig) {
    this.#timeout = timeout
    this.#config = config
  }

  /** Call for each request. */
  track(res: ServerResponse): void {
    if (this.#timeout === 0) return
    this.#waiting.set(res, performance.now())
    res.once('close', () => this.#waiting.delete(res))
    this.#timer ??= setInterval(this.#sweep, Math.min(SWEEP, this.#timeout)).unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  readonly #sweep = (): void => {
    const expired = performance.now() - this.#timeout
    for (const [res, since] of this.#waiting) {
      if (res.headersSent) this.#waiting.delete(res)
      else if (since <= expired) this.#expire(res)
    }
    if (this.#waiting.size === 0) this.stop()
  }

  #expire(res: ServerResponse): void {
    this.#waiting.delete(res)
    const req = res.req as IncomingMessage
    const error = new HttpError(504, 'The app did not answer in time', {
      cause: new Error(`No response within ${this.#timeout} ms (serve's responseTimeout)`),
      headers: { connection: 'close' },
    })
    failNode(error, contextOf(req), req, res, this.#config)
    discardLateWrites(res)
  }
}

// The app may still answer after the 504 went out: its writes are dropped instead of
// throwing ERR_HTTP_HEADERS_SENT into the app's callbacks.
function discardLateWrites(res: ServerResponse): void {
  const ignored = () => res
  Object.assign(res, {
    writeHead: ignored,
    setHeader: ignored,
    appendHeader: ignored,
    removeHeader: ignored,
    flushHeaders: ignored,
    write: () => true,
    end: ignored,
  })
}

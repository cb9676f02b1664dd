// The funnel's answers on a Node `res`: a status page if nothing was sent yet (HTML from the
// dev server's renderer for 5xx), else the response is cut short, never corrupted.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EntryConfig } from '../core/config.ts'
import { isHttpError } from '../core/errors.ts'
import type { Answerer } from './funnel.ts'
import { originalUrlOf } from './node-request.ts'
import { cutResponse, responseGone } from './response-state.ts'

const TEXT = 'text/plain; charset=utf-8'
const HTML = 'text/html; charset=utf-8'

export function nodeAnswerer(req: IncomingMessage, res: ServerResponse): Answerer<void> {
  return {
    method: req.method ?? 'GET',
    url: originalUrlOf(req),
    started: () => res.headersSent || res.writableEnded,
    // A response the app ended is complete, even while it is still flushing.
    cut: () => {
      if (!res.writableEnded) cutResponse(res)
    },
    answer: (error, { status, text, headers }, config: EntryConfig) => {
      const render = config.renderError
      if (render === undefined || status < 500) {
        return sendStatus(req, res, status, `${text}\n`, TEXT, headers)
      }
      const cause = isHttpError(error) && error.cause !== undefined ? error.cause : error
      const shown = { method: req.method ?? 'GET', url: originalUrlOf(req), headers: req.headers }
      render(cause, shown, status).then(
        (page) =>
          typeof page === 'string'
            ? sendStatus(req, res, status, page, HTML, headers)
            : sendStatus(req, res, status, page.body, page.type, headers),
        () => sendStatus(req, res, status, `${text}\n`, TEXT, headers),
      )
    },
  }
}

/** Writes a whole small answer; nothing if the response started meanwhile or is gone. */
export function sendStatus(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string,
  type: string,
  headers?: Record<string, string>,
): void {
  if (res.headersSent || responseGone(res)) return
  const fields = { ...headers, 'content-type': type, 'content-length': Buffer.byteLength(body) }
  try {
    res.writeHead(status, fields)
  } catch {
    // A field the app set that this protocol refuses (Transfer-Encoding on HTTP/2): the
    // answer goes without the app's fields, or, if even that fails, the response is cut.
    for (const name of res.getHeaderNames()) res.removeHeader(name)
    try {
      res.writeHead(status, fields)
    } catch {
      cutResponse(res)
      return
    }
  }
  res.end(req.method === 'HEAD' ? undefined : body)
}

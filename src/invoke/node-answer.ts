// The funnel's answers on a Node `res`: a status page if nothing was sent yet (HTML from the
// dev server's renderer for 5xx), else the response is cut short, never corrupted.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EntryConfig } from '../core/config.ts'
import { isHttpError } from '../core/errors.ts'
import type { Answerer } from './funnel.ts'
import { originalUrlOf } from './node-request.ts'

const TEXT = 'text/plain; charset=utf-8'
const HTML = 'text/html; charset=utf-8'

export function nodeAnswerer(req: IncomingMessage, res: ServerResponse): Answerer<void> {
  return {
    method: req.method ?? 'GET',
    url: originalUrlOf(req),
    started: () => res.headersSent || res.writableEnded,
    cut: () => {
      if (!res.writableFinished) res.destroy()
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
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, {
    ...headers,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  })
  res.end(req.method === 'HEAD' ? undefined : body)
}

// The funnel's answers on a Node `res`: a status page if nothing was sent yet (HTML from the
// dev server's renderer for 5xx), else the response is cut short, never corrupted.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EntryConfig } from '../core/config.ts'
import { isHttpError } from '../core/errors.ts'
import { HOP_BY_HOP } from '../core/hop-by-hop.ts'
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
    // A response the app ended is complete, even while it is still flushing; unless its
    // head never went out (HTTP/2's end() counts as ended before it writes the head).
    cut: () => {
      if (!res.writableEnded || !res.headersSent) cutResponse(res)
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
    // answer goes without the connection-specific fields, then without any of the app's,
    // and if even that fails, the response is cut.
    if (
      !headWithout(res, status, fields, (name) => HOP_BY_HOP.has(name)) &&
      !headWithout(res, status, fields, () => true)
    ) {
      cutResponse(res)
      return
    }
  }
  res.end(req.method === 'HEAD' ? undefined : body)
}

/** Writes the head again without the app's fields that `drop` names; false if it fails. */
function headWithout(
  res: ServerResponse,
  status: number,
  fields: Record<string, string | number>,
  drop: (name: string) => boolean,
): boolean {
  for (const name of res.getHeaderNames()) if (drop(name)) res.removeHeader(name)
  try {
    res.writeHead(status, fields)
    return true
  } catch {
    return false
  }
}

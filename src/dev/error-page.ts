// The dev server's error page: message, source-mapped stack with code frames, request.
import type { IncomingMessage } from 'node:http'
import { Youch } from 'youch'
import { statusText } from '../core/errors.ts'
import { originalUrlOf } from '../node/request.ts'

const youch = new Youch()

export function renderErrorPage(
  error: unknown,
  req: IncomingMessage,
  status: number,
): Promise<string> {
  return youch.toHTML(error, {
    title: `${status} ${statusText(status)}`,
    request: {
      url: originalUrlOf(req),
      method: req.method,
      headers: req.headers,
    },
  })
}

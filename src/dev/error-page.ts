// The dev server's error page: message, source-mapped stack with code frames, request.
import { Youch } from 'youch'
import type { RenderedRequest } from '../core/config.ts'
import { statusText } from '../core/errors.ts'

/** One Youch per page: an instance accumulates what it is given, so pages would mix requests. */
export function renderErrorPage(
  error: unknown,
  request: RenderedRequest,
  status: number,
): Promise<string> {
  return new Youch().toHTML(error, {
    title: `${status} ${statusText(status)}`,
    request: { url: request.url, method: request.method, headers: request.headers },
  })
}

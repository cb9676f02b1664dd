// The dev server's error answer: for a browser, a page with the message, source-mapped stack
// with code frames and the request; for a client that prefers JSON, the same as JSON.
import { Youch } from 'youch'
import type { RenderedError, RenderedRequest } from '../core/config.ts'
import { statusText } from '../core/errors.ts'
import { prefersJson } from './accept.ts'
import { renderErrorJson } from './error-json.ts'
import { withReloadScript } from './live.ts'
import { inUserCode } from './syntax-error.ts'

const HTML = 'text/html; charset=utf-8'
const JSON_TYPE = 'application/json; charset=utf-8'

/** The error page, or JSON when the request's Accept prefers it (src/dev/accept.ts). */
export async function renderDevError(
  error: unknown,
  request: RenderedRequest,
  status: number,
): Promise<RenderedError> {
  if (prefersJson(request.headers.accept)) {
    return { body: renderErrorJson(error, request, status), type: JSON_TYPE }
  }
  return { body: await renderErrorPage(error, request, status), type: HTML }
}

/** One Youch per page: an instance accumulates what it is given, so pages would mix requests. */
export function renderErrorPage(
  error: unknown,
  request: RenderedRequest,
  status: number,
): Promise<string> {
  const page = new Youch().toHTML(inUserCode(error), {
    title: `${status} ${statusText(status)}`,
    request: { url: request.url, method: request.method, headers: request.headers },
  })
  // The page reloads itself once the next save brings a new worker.
  return page.then(withReloadScript)
}

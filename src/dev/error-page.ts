// The dev server's error page: message, source-mapped stack with code frames, request.
import { Youch } from 'youch'
import type { RenderedRequest } from '../core/config.ts'
import { statusText } from '../core/errors.ts'
import { withReloadScript } from './live.ts'

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

// tsx reports a syntax error as esbuild's TransformError, whose stack is esbuild's own
// (`node_modules/esbuild/lib/main.js`). The place is in its message (`file:line:column:
// ERROR: text`): the page shows that file, with the line and a caret, as Vite does.
const TRANSFORM = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m

function inUserCode(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== 'TransformError') return error
  const place = TRANSFORM.exec(error.message)
  if (place === null) return error
  const [, file, line, column, text] = place
  const syntax = new SyntaxError(text)
  // Youch reads the frame's file and marks the column; esbuild counts columns from 0.
  syntax.stack = `SyntaxError: ${text}\n    at ${file}:${line}:${Number(column) + 1}`
  return syntax
}

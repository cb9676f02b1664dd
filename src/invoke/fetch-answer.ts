// Answers made as Fetch Responses: the built-in status pages and the funnel's answers.
import type { Answerer } from './funnel.ts'

const TEXT = 'text/plain; charset=utf-8'

export function statusResponse(
  status: number,
  text: string,
  method: string,
  headers?: Record<string, string>,
): Response {
  const body = `${text}\n`
  return new Response(method === 'HEAD' ? null : body, {
    status,
    headers: {
      'content-type': TEXT,
      'content-length': String(utf8.encode(body).byteLength),
      ...headers,
    },
  })
}

const utf8 = new TextEncoder()

/** The funnel's answer for a Fetch entry: always a Response, never a rejection. */
export function fetchAnswerer(request: Request, url: string): Answerer<Response> {
  return {
    method: request.method,
    url,
    started: () => false,
    cut: () => Response.error(),
    answer: (_error, { status, text, headers }) =>
      statusResponse(status, text, request.method, headers),
  }
}

// How a failed forward is answered: one HttpError per cause, with a body that says what
// happened without naming the upstream's address (that goes to the log, through `cause`).
import { HttpError } from '../core/errors.ts'

const TIMEOUTS = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
])
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])

/** The answer for an error of the upstream request: 504 for timeouts, else 502. */
export function upstreamError(error: unknown, label: string): HttpError {
  const code = codeOf(error)
  const cause = new Error(`${label}: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  })
  if (code !== undefined && TIMEOUTS.has(code)) {
    return new HttpError(504, 'Gateway Timeout: the upstream app did not answer in time', {
      cause,
      expose: true,
      brief: true,
    })
  }
  const text =
    code !== undefined && UNREACHABLE.has(code)
      ? 'Bad Gateway: the upstream app is not reachable'
      : 'Bad Gateway: the upstream app gave no valid answer'
  return new HttpError(502, text, { cause, expose: true, brief: true })
}

function codeOf(error: unknown): string | undefined {
  // A connect error may come wrapped (AggregateError of IPv4 and IPv6 attempts).
  for (let e = error as { code?: unknown; errors?: unknown[] } | undefined; e; ) {
    if (typeof e.code === 'string') return e.code
    e = (e.errors?.[0] ?? undefined) as typeof e
  }
  return undefined
}

// A kept-alive connection the upstream closed just as a request went out: the upstream never
// read it. Sent again once, as nginx and @fastify/reply-from do, when that is safe: an
// idempotent method and no body to replay.
const STALE = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'])
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

export function isReplayable(request: { method: string; body?: unknown }): boolean {
  return (request.body === null || request.body === undefined) && IDEMPOTENT.has(request.method)
}

export function isStaleConnection(error: unknown): boolean {
  const code = codeOf(error)
  return code !== undefined && STALE.has(code)
}

// A Node response's state, read the same way for node:http and node:http2's compatibility
// API. The latter has no `destroyed` and reports a reset stream as finished, so neither
// `res.destroyed` nor `res.writableFinished` says whether the client is still there.
import type { ServerResponse } from 'node:http'
import { constants, type Http2Stream } from 'node:http2'

type MaybeHttp2 = { stream?: Http2Stream }

/** HTTP/2 (or later) frames the response: no connection-specific fields may be written. */
export function isHttp2(res: ServerResponse): boolean {
  return res.req.httpVersionMajor >= 2
}

// Only on HTTP/2 is `res.stream` the Http2Stream: on HTTP/1 an app may have set its own.
function http2Stream(res: ServerResponse): Http2Stream | undefined {
  return isHttp2(res) ? (res as MaybeHttp2).stream : undefined
}

/** The client's connection (HTTP/1) or stream (HTTP/2) is gone: nothing more reaches it. */
export function responseGone(res: ServerResponse): boolean {
  return res.destroyed === true || http2Stream(res)?.destroyed === true
}

/**
 * Ends a started response so that the client sees it incomplete: HTTP/1 closes the
 * connection; HTTP/2 resets the stream with an error (a plain destroy() there resets it
 * with NO_ERROR, which a client reads as a complete answer).
 */
export function cutResponse(res: ServerResponse): void {
  const stream = http2Stream(res)
  if (stream === undefined) res.destroy()
  else if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR)
}

// A Node response's state, read the same way for node:http and node:http2's compatibility
// API. The latter has no `destroyed` and reports a reset stream as finished, so neither
// `res.destroyed` nor `res.writableFinished` says whether the client is still there.
import type { ServerResponse } from 'node:http'
import { constants, type Http2Stream } from 'node:http2'

type MaybeHttp2 = { stream?: Http2Stream }

/** The client's connection (HTTP/1) or stream (HTTP/2) is gone: nothing more reaches it. */
export function responseGone(res: ServerResponse): boolean {
  return res.destroyed === true || (res as MaybeHttp2).stream?.destroyed === true
}

/**
 * Ends a started response so that the client sees it incomplete: HTTP/1 closes the
 * connection; HTTP/2 resets the stream with an error (a plain destroy() there resets it
 * with NO_ERROR, which a client reads as a complete answer).
 */
export function cutResponse(res: ServerResponse): void {
  const stream = (res as MaybeHttp2).stream
  if (stream === undefined) res.destroy()
  else if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR)
}

/** HTTP/2 (or later) frames the response: no connection-specific fields may be written. */
export function isHttp2(res: ServerResponse): boolean {
  return res.req.httpVersionMajor >= 2
}

// The access log of serve(): one JSON line per request, written once its response closes.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorReporter } from '../core/errors.ts'
import { contextOf } from '../core/info.ts'

export interface AccessLogLine {
  /** When the request arrived (ISO 8601). */
  time: string
  method: string
  /** The request target as the client sent it. */
  url: string
  /** The host it was routed on (lower-cased, no port); absent if none was valid (a 400). */
  host?: string
  status: number
  /** Time to the end of the response, in milliseconds. */
  ms: number
  /** Bytes sent on the connection for this response, headers included. */
  bytes?: number
  /** The base path of the app that served it ('/' for the root); absent if none did. */
  app?: string
  /** The key of the lazily created instance that served it. */
  key?: string
  /** The connection closed before the response was complete. */
  aborted?: true
}

export function accessLogger(
  option: boolean | ((line: AccessLogLine) => void) | undefined,
  report: ErrorReporter,
): ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
  if (option === undefined || option === false) return undefined
  const write =
    option === true
      ? (line: AccessLogLine) => process.stdout.write(`${JSON.stringify(line)}\n`)
      : option
  return (req, res) => {
    const start = performance.now()
    const time = new Date().toISOString()
    const url = req.url ?? ''
    const socket = req.socket
    const before = socket.bytesWritten
    // 'close' always comes, after 'finish' or instead of it (client gone).
    res.once('close', () => {
      const line: AccessLogLine = {
        time,
        method: req.method ?? '',
        url,
        status: res.statusCode,
        ms: Math.round((performance.now() - start) * 10) / 10,
        bytes: socket.bytesWritten - before,
      }
      // Attached when an app was reached, after the host was validated: reading it cannot throw.
      const ctx = contextOf(req)
      if (ctx !== undefined) {
        line.host = ctx.host
        line.app = ctx.basePath === '' ? '/' : ctx.basePath
        if (ctx.key !== undefined) line.key = ctx.key
      }
      if (!res.writableFinished) line.aborted = true
      try {
        write(line)
      } catch (error) {
        report(error, { method: line.method, url })
      }
    })
  }
}

// Built-in responders: answer natively in both entries, so neither needs a bridge.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Leaf } from '../core/app.ts'

function respond(status: number, text: string): Leaf {
  const body = `${text}\n`
  const length = String(Buffer.byteLength(body))
  const nodeHandler = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': length })
    res.end(req.method === 'HEAD' ? undefined : body)
  }
  const fetchHandler = () =>
    new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } })
  return new Leaf('builtin', `${status} ${text}`, nodeHandler, fetchHandler)
}

let shared: Leaf | undefined

/** An app that answers every request with 404 Not Found (werkzeug's NotFound). */
export function notFound(): Leaf {
  shared ??= respond(404, 'Not Found')
  return shared
}

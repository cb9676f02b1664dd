// Drives the Node entry in-process: a genuine IncomingMessage/ServerResponse pair on an
// unconnected socket, so req.url reaches the dispatcher byte for byte (no WHATWG parsing)
// and ten thousand requests cost milliseconds instead of sockets.
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import type { NodeListener } from '../../src/node.ts'

export interface Outcome {
  status: number
  body: string
}

export interface FakeRequest {
  url: string
  /** Omitted: no Host header at all. */
  host?: string
  method?: string
  headers?: Record<string, string>
}

const socket = new Socket()

/** Runs one request through `listener`; resolves when the response ends. */
export function callNode(listener: NodeListener, spec: FakeRequest): Promise<Outcome> {
  const req = new IncomingMessage(socket)
  req.url = spec.url
  req.method = spec.method ?? 'GET'
  const headers: Record<string, string> = { ...spec.headers }
  if (spec.host !== undefined) headers.host = spec.host
  req.headers = headers
  req.rawHeaders = Object.entries(headers).flat()
  const res = new ServerResponse(req)
  return new Promise((resolve) => {
    const end = res.end.bind(res)
    res.end = ((chunk?: unknown) => {
      end(chunk as never)
      resolve({
        status: res.statusCode,
        body: typeof chunk === 'string' ? chunk : String(chunk ?? ''),
      })
      // What a real server emits once the response is flushed: releases instance leases.
      setImmediate(() => res.emit('close'))
      return res
    }) as typeof res.end
    listener(req, res)
  })
}

// The dev server's access log: one colored line a request, naming the app that served it.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { mountInfo } from '../core/info.ts'
import { cyan, dim, green, magenta, red, yellow } from './color.ts'

/** Logs `req` when its response ends: method, path, which app, status, time. */
export function logRequest(req: IncomingMessage, res: ServerResponse, write = console.log): void {
  const start = process.hrtime.bigint()
  const url = req.url ?? '/'
  const host = req.headers.host ?? ''
  res.once('close', () => {
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    const status = res.headersSent ? res.statusCode : 0
    write(
      `${dim(host)} ${req.method} ${url} ${dim('→')} ${magenta(servedBy(req))} ${colorStatus(status)} ${dim(`${ms.toFixed(1)} ms`)}`,
    )
  })
}

function servedBy(req: IncomingMessage): string {
  const info = mountInfo(req)
  if (info === undefined) return '-'
  const parts: string[] = []
  if (info.key !== undefined) parts.push(`key ${info.key === '' ? "''" : info.key}`)
  const params = Object.entries(info.params)
  if (params.length > 0) parts.push(params.map(([k, v]) => `${k}=${v}`).join(','))
  parts.push(info.basePath === '' ? '/' : info.basePath)
  return parts.join(' ')
}

function colorStatus(status: number): string {
  const text = status === 0 ? 'aborted' : String(status)
  if (status === 0 || status >= 500) return red(text)
  if (status >= 400) return yellow(text)
  if (status >= 300) return cyan(text)
  return green(text)
}

// The dev server's access log: one colored line a request, naming the app that served it,
// and the same request kept for the dashboard's list of the latest ones.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { mountInfo } from '../core/info.ts'
import type { RecentRequests } from '../metrics/recent.ts'
import { cyan, dim, green, magenta, red, yellow } from './color.ts'

export interface LogOptions {
  /** Where the dashboard reads the latest requests from. */
  recent?: RecentRequests
  write?: (line: string) => void
}

/** Logs `req` when its response ends: method, path, which app, status, time. */
export function logRequest(
  req: IncomingMessage,
  res: ServerResponse,
  { recent, write = console.log }: LogOptions = {},
): void {
  const time = Date.now()
  const start = process.hrtime.bigint()
  const url = req.url ?? '/'
  const host = req.headers.host ?? ''
  const method = req.method ?? 'GET'
  res.once('close', () => {
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    const status = res.headersSent ? res.statusCode : 0
    write(
      `${dim(host)} ${method} ${url} ${dim('→')} ${magenta(servedBy(req))} ${colorStatus(status)} ${dim(`${ms.toFixed(1)} ms`)}`,
    )
    if (recent === undefined) return
    const info = mountInfo(req)
    recent.add({
      time,
      pid: process.pid,
      method,
      url,
      host,
      status,
      ms,
      app: info?.basePath,
      key: info?.key,
    })
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

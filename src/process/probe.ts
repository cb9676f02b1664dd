// Readiness: a child is ready once its server gives any HTTP answer, whatever the status
// (a 404 for '/' or Django's 400 for an unexpected Host still proves it serves).
import { type ClientRequest, get } from 'node:http'
import type { ChildAddress } from './address.ts'

/** Between attempts while nothing listens yet. */
export const PROBE_INTERVAL = 50

/**
 * GETs `path` on `address` until an answer arrives, then calls `onAnswer` once. One attempt
 * at a time and none cut short: a server slow to answer its first request (imports on first
 * use) is waited for, bounded by the caller's start timeout. Returns a function that stops it.
 */
export function probe(address: ChildAddress, path: string, onAnswer: () => void): () => void {
  let done = false
  let request: ClientRequest | undefined
  let timer: NodeJS.Timeout | undefined
  const target =
    'socketPath' in address
      ? { socketPath: address.socketPath }
      : { host: address.host, port: address.port }
  const attempt = () => {
    if (done) return
    // agent false and Connection: close: no kept-alive socket left to occupy a server that
    // handles one connection at a time (python -m http.server).
    request = get({ ...target, path, agent: false, headers: { connection: 'close' } }, (res) => {
      res.destroy()
      if (done) return
      done = true
      onAnswer()
    })
    request.on('error', () => {
      if (!done) timer = setTimeout(attempt, PROBE_INTERVAL)
    })
  }
  attempt()
  return () => {
    done = true
    clearTimeout(timer)
    request?.destroy()
  }
}

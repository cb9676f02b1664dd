// Metrics over IPC: a serving process answers its supervisor's requests (a cluster worker
// its primary, a dev worker the dev server), so the supervisor's dashboard and /metrics
// show what its workers hold. Messages are plain JSON; one listener per worker.
import type { App } from '../core/types.ts'
import { invalidate, type MetricsSnapshot, readMetrics } from './snapshot.ts'

const REQUEST = 'switchyard:metrics-request'
const REPLY = 'switchyard:metrics-reply'

export type MetricsRequest =
  | { op: 'snapshot' }
  /** Swaps one instance of a lazy dispatcher (`key`), or all of them. */
  | { op: 'invalidate'; id: number; key?: string }

export type MetricsReply<R extends MetricsRequest> = R extends { op: 'snapshot' }
  ? MetricsSnapshot
  : number

/** An IPC endpoint: `process` in a worker; a ChildProcess or cluster Worker in its supervisor. */
export interface IpcPort {
  on(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
  send?(message: unknown, callback?: (error: Error | null) => void): boolean
}

interface Envelope {
  switchyard: string
  seq: number
  request?: MetricsRequest
  result?: unknown
  error?: string
}

/** In a worker: answers metrics requests about `app`. Returns the uninstall function. */
export function answerMetricsRequests(app: () => App | undefined, port: IpcPort): () => void {
  const onMessage = (message: unknown) => {
    const m = message as Envelope | null
    if (m?.switchyard !== REQUEST || m.request === undefined) return
    const reply: Envelope = { switchyard: REPLY, seq: m.seq }
    try {
      const current = app()
      if (current === undefined) throw new Error('the app is not loaded')
      const r = m.request
      reply.result = r.op === 'snapshot' ? readMetrics(current) : invalidate(current, r.id, r.key)
    } catch (error) {
      reply.error = error instanceof Error ? error.message : String(error)
    }
    port.send?.(reply, ignore)
  }
  port.on('message', onMessage)
  return () => port.off('message', onMessage)
}

let lastSeq = 0

/** In a supervisor: asks one worker; rejects on its error or after `timeout` ms. */
export function askWorker<R extends MetricsRequest>(
  port: IpcPort,
  request: R,
  timeout = 2000,
): Promise<MetricsReply<R>> {
  const seq = ++lastSeq
  return new Promise((resolve, reject) => {
    const done = (error: Error | undefined, result?: unknown) => {
      clearTimeout(timer)
      port.off('message', onMessage)
      if (error === undefined) resolve(result as MetricsReply<R>)
      else reject(error)
    }
    const onMessage = (message: unknown) => {
      const m = message as Envelope | null
      if (m?.switchyard !== REPLY || m.seq !== seq) return
      done(m.error === undefined ? undefined : new Error(m.error), m.result)
    }
    const timer = setTimeout(() => done(new Error(`no metrics reply in ${timeout} ms`)), timeout)
    port.on('message', onMessage)
    const envelope: Envelope = { switchyard: REQUEST, seq, request }
    try {
      port.send?.(envelope, (error) => {
        if (error) done(error)
      })
    } catch (error) {
      done(error as Error)
    }
  })
}

function ignore(): void {}

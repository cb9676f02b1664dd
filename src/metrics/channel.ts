// Metrics over IPC: a serving process answers its supervisor's requests (a cluster worker
// its primary, a dev worker the dev server), so the supervisor's dashboard and /metrics
// show what its workers hold. Messages are plain JSON; one listener per worker.
import type { App } from '../core/types.ts'
import type { RecentRequest } from './recent.ts'
import { invalidate, type MetricsSnapshot, readMetrics } from './snapshot.ts'

const REQUEST = 'switchyard:metrics-request'
const REPLY = 'switchyard:metrics-reply'

export type MetricsRequest =
  | { op: 'snapshot' }
  /** Swaps one instance of a lazy dispatcher (`key`), or all of them. */
  | { op: 'invalidate'; id: number; key?: string }
  /** The latest requests the worker answered, oldest first. */
  | { op: 'requests' }
  /** The worker's Prometheus metrics as prom-client JSON (for the primary to sum). */
  | { op: 'prometheus' }

export type MetricsReply<R extends MetricsRequest> = R extends { op: 'snapshot' }
  ? MetricsSnapshot
  : R extends { op: 'requests' }
    ? RecentRequest[]
    : R extends { op: 'prometheus' }
      ? unknown[]
      : number

export interface AnswerOptions {
  /** The worker's latest requests (a RecentRequests' list()); without it, `requests` is []. */
  requests?: () => RecentRequest[]
  /** A registry's getMetricsAsJSON(); without it, `prometheus` is []. */
  prometheus?: () => Promise<unknown[]>
}

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
export function answerMetricsRequests(
  app: () => App | undefined,
  port: IpcPort,
  options: AnswerOptions = {},
): () => void {
  const onMessage = (message: unknown) => {
    const m = message as Envelope | null
    if (m?.switchyard !== REQUEST || m.request === undefined) return
    const reply = (result: unknown, error?: unknown) => {
      const envelope: Envelope = { switchyard: REPLY, seq: m.seq, result }
      if (error !== undefined)
        envelope.error = error instanceof Error ? error.message : String(error)
      port.send?.(envelope, ignore)
    }
    let result: unknown
    try {
      result = answer(m.request, app, options)
    } catch (error) {
      return reply(undefined, error)
    }
    if (result instanceof Promise) result.then(reply, (error) => reply(undefined, error))
    else reply(result)
  }
  port.on('message', onMessage)
  return () => port.off('message', onMessage)
}

function answer(request: MetricsRequest, app: () => App | undefined, options: AnswerOptions) {
  // The log is the worker's own: it answers even when the app failed to load.
  if (request.op === 'requests') return options.requests?.() ?? []
  if (request.op === 'prometheus') return options.prometheus?.() ?? []
  const current = app()
  if (current === undefined) throw new Error('the app is not loaded')
  if (request.op === 'snapshot') return readMetrics(current)
  if (request.op === 'invalidate') return invalidate(current, request.id, request.key)
  throw new Error(`unknown metrics request ${JSON.stringify((request as { op?: unknown }).op)}`)
}

let lastSeq = 0

type Settle = (error: Error | undefined, result?: unknown) => void

interface Listening {
  waiting: Map<number, Settle>
  stop(): void
}

// One listener per port however many questions are open, so many dashboards polling at
// once never trip the EventEmitter leak warning; it goes once nothing is awaited.
const listening = new WeakMap<IpcPort, Listening>()

/** Routes the reply `seq` to `settle`; returns the function that stops waiting for it. */
function awaitReply(port: IpcPort, seq: number, settle: Settle): () => void {
  let entry = listening.get(port)
  if (entry === undefined) {
    const waiting = new Map<number, Settle>()
    const onMessage = (message: unknown) => {
      const m = message as Envelope | null
      if (m?.switchyard !== REPLY) return
      waiting.get(m.seq)?.(m.error === undefined ? undefined : new Error(m.error), m.result)
    }
    port.on('message', onMessage)
    entry = { waiting, stop: () => port.off('message', onMessage) }
    listening.set(port, entry)
  }
  const own = entry
  own.waiting.set(seq, settle)
  return () => {
    own.waiting.delete(seq)
    if (own.waiting.size > 0 || listening.get(port) !== own) return
    own.stop()
    listening.delete(port)
  }
}

/** In a supervisor: asks one worker; rejects on its error or after `timeout` ms. */
export function askWorker<R extends MetricsRequest>(
  port: IpcPort,
  request: R,
  timeout = 2000,
): Promise<MetricsReply<R>> {
  const seq = ++lastSeq
  return new Promise((resolve, reject) => {
    let settled = false
    const done: Settle = (error, result) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      forget()
      if (error === undefined) resolve(result as MetricsReply<R>)
      else reject(error)
    }
    const timer = setTimeout(() => done(new Error(`no metrics reply in ${timeout} ms`)), timeout)
    const forget = awaitReply(port, seq, done)
    const envelope: Envelope = { switchyard: REQUEST, seq, request }
    if (port.send === undefined) return done(new Error('the worker has no IPC channel'))
    try {
      port.send(envelope, (error) => {
        if (error) done(error)
      })
    } catch (error) {
      done(error as Error)
    }
  })
}

function ignore(): void {}

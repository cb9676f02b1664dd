// `switchyard serve --workers N`: a node:cluster primary that never serves, and its workers,
// which each load the app and serve on the shared port.
import cluster, { type Worker } from 'node:cluster'
import type { App } from '../core/types.ts'
import { type ServeOptions, serve } from './serve.ts'
import { exitSoon, onShutdownSignals } from './shutdown.ts'

const SHUTDOWN = 'switchyard:shutdown' // primary -> worker: close gracefully and exit
const READY = 'switchyard:ready' // worker -> primary: listening, with its URL

const KILL_GRACE = 5_000 // beyond shutdownTimeout, for dispose hooks and exit, before SIGKILL
const STABLE = 10_000 // a worker that lived this long was not crash-looping
const MAX_BACKOFF = 30_000

/** How new connections reach workers: by a consistent hash of their Host, or round robin. */
export type Affinity = 'host' | 'none'
export const DEFAULT_AFFINITY: Affinity = 'host'

export interface PrimaryOptions {
  workers: number
  affinity?: Affinity
  /** Where the primary listens itself when affinity is 'host'. */
  port?: number
  host?: string
  /** Hash the last X-Forwarded-Host, as the dispatchers read it. */
  trustProxy?: boolean
  /** The script every worker runs (the CLI), its arguments and Node flags. */
  exec: string
  args: string[]
  execArgv: string[]
  /** The workers' shutdownTimeout, in ms. */
  shutdownTimeout: number
  /** Called once every first worker listens. */
  onReady(url: string): void
}

/** Runs the primary until SIGTERM/SIGINT; resolves to the exit code. */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  return new Primary(options).run()
}

interface Born {
  at: number
  ready: boolean
  /** Forked to replace a dead worker: if it fails to start, try again (with backoff). */
  replacement: boolean
}

class Primary {
  readonly #options: PrimaryOptions
  /** The workers that count towards N: not retiring, not dead. */
  readonly #live = new Set<Worker>()
  readonly #born = new WeakMap<Worker, Born>()
  readonly #timers = new Set<NodeJS.Timeout>()
  #state: 'booting' | 'running' | 'stopping' = 'booting'
  #stopping: Promise<void> | undefined
  #crashes = 0
  #rolling = false
  #again = false

  constructor(options: PrimaryOptions) {
    this.#options = options
  }

  async run(): Promise<number> {
    const { exec, args, execArgv } = this.#options
    cluster.setupPrimary({ exec, args, execArgv })
    cluster.on('exit', this.#onExit)
    const hup = () => void this.#restart()
    process.on('SIGHUP', hup)
    let stopped!: () => void
    const done = new Promise<void>((resolve) => {
      stopped = resolve
    })
    const uninstall = onShutdownSignals(() => this.#stop().then(stopped))
    let code = 0
    try {
      const first = Array.from({ length: this.#options.workers }, () => this.#fork(false))
      const urls = await Promise.all(first.map((worker) => this.#ready(worker)))
      if (this.#state === 'booting') {
        this.#state = 'running'
        this.#options.onReady(urls[0] as string)
      }
      await done
    } catch (error) {
      // Stopping while booting is not a failure; a worker that could not start is.
      if (this.#state !== 'stopping') {
        log(`${(error as Error).message}; stopping`)
        code = 1
      }
      await this.#stop()
    } finally {
      uninstall()
      process.off('SIGHUP', hup)
      cluster.off('exit', this.#onExit)
    }
    return code
  }

  #fork(replacement: boolean): Worker {
    const worker = cluster.fork()
    const born: Born = { at: Date.now(), ready: false, replacement }
    this.#born.set(worker, born)
    this.#live.add(worker)
    worker.on('message', (message: unknown) => {
      if (kind(message) === READY) born.ready = true
    })
    return worker
  }

  /** The URL the worker reports once listening; rejects if it exits first. */
  #ready(worker: Worker): Promise<string> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: { url?: string }) => {
        if (kind(message) !== READY) return
        worker.off('exit', onExit)
        worker.off('message', onMessage)
        resolve(String(message.url))
      }
      const onExit = (code: number | null, signal: string | null) => {
        worker.off('message', onMessage)
        reject(new Error(`worker ${worker.process.pid} ${how(code, signal)} before listening`))
      }
      worker.on('message', onMessage)
      worker.once('exit', onExit)
    })
  }

  // An unexpected death: replace the worker, backing off if they keep dying young.
  readonly #onExit = (worker: Worker, code: number | null, signal: string | null) => {
    const born = this.#born.get(worker)
    if (!this.#live.delete(worker) || this.#state !== 'running' || born === undefined) return
    // A new worker of a rolling restart that fails to start: the restart handles it.
    if (!born.ready && !born.replacement) return
    this.#crashes = Date.now() - born.at < STABLE ? this.#crashes + 1 : 0
    const delay = this.#crashes === 0 ? 0 : Math.min(100 * 2 ** this.#crashes, MAX_BACKOFF)
    log(`worker ${worker.process.pid} ${how(code, signal)}; replacing it in ${delay} ms`)
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      if (this.#state === 'running') this.#fork(true)
    }, delay)
    this.#timers.add(timer)
  }

  // SIGHUP: for each old worker, start a new one, wait until it listens, retire the old one.
  // A new worker that fails to start stops the restart; the old workers keep serving.
  async #restart(): Promise<void> {
    if (this.#state !== 'running') return log('SIGHUP ignored: not running')
    if (this.#rolling) {
      this.#again = true
      return
    }
    this.#rolling = true
    try {
      do {
        this.#again = false
        const old = [...this.#live]
        log(`SIGHUP: rolling restart of ${old.length} workers`)
        for (const worker of old) {
          if (this.#state !== 'running') return
          if (!this.#live.has(worker)) continue
          try {
            await this.#ready(this.#fork(false))
          } catch (error) {
            return log(`rolling restart stopped: ${(error as Error).message}; old workers kept`)
          }
          if (this.#state !== 'running') return
          this.#live.delete(worker)
          await this.#retire(worker)
        }
        log('rolling restart done')
      } while (this.#again && this.#state === 'running')
    } finally {
      this.#rolling = false
    }
  }

  /** Asks a worker to close gracefully; kills it if it outlives its shutdown bound. */
  #retire(worker: Worker): Promise<void> {
    if (worker.isDead()) return Promise.resolve()
    return new Promise((resolve) => {
      const limit = this.#options.shutdownTimeout + KILL_GRACE
      const kill = setTimeout(() => worker.process.kill('SIGKILL'), limit)
      worker.once('exit', () => {
        clearTimeout(kill)
        resolve()
      })
      // A worker still booting may not listen for messages yet; SIGTERM works either way
      // (default action before it serves, graceful close after). Messages work on Windows.
      if (this.#born.get(worker)?.ready !== true) worker.process.kill('SIGTERM')
      else if (worker.isConnected()) worker.send({ switchyard: SHUTDOWN }, ignore)
    })
  }

  #stop(): Promise<void> {
    this.#state = 'stopping'
    for (const timer of this.#timers) clearTimeout(timer)
    this.#stopping ??= Promise.all(
      Object.values(cluster.workers ?? {}).map((worker) => this.#retire(worker as Worker)),
    ).then(() => undefined)
    return this.#stopping
  }
}

/**
 * A worker's life: load the app, serve it, report to the primary, close when asked (or on
 * SIGTERM/SIGINT), leave. Resolves to the exit code; a load failure rejects.
 */
export async function serveWorker(
  load: () => Promise<App>,
  options: ServeOptions & { affinity?: Affinity },
): Promise<number> {
  // SIGHUP is the primary's (rolling restart); one sent to the whole group must not kill us.
  process.on('SIGHUP', ignore)
  // Listen before loading: a shutdown asked for while we boot must not be lost.
  const asked = new Promise<void>((resolve) => {
    const onMessage = (message: unknown) => {
      if (kind(message) !== SHUTDOWN) return
      process.off('message', onMessage)
      resolve()
    }
    process.on('message', onMessage)
  })
  try {
    const running = await serve(await load(), { ...options, signals: true })
    process.send?.({ switchyard: READY, url: running.url })
    // close() does not fail in practice: dispose errors go to the app's error reporting.
    asked.then(running.close).catch((error: unknown) => log(`shutdown failed: ${error}`))
    await running.closed
    return 0
  } finally {
    // The IPC channel would keep this process alive.
    cluster.worker?.disconnect()
    exitSoon()
  }
}

function kind(message: unknown): unknown {
  return typeof message === 'object' && message !== null
    ? (message as { switchyard?: unknown }).switchyard
    : undefined
}

function how(code: number | null, signal: string | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code}`
}

function log(message: string): void {
  console.error(`switchyard serve: ${message}`)
}

function ignore(): void {}

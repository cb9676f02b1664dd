// `switchyard serve --workers N`: a node:cluster primary that never loads the app. Its
// workers serve on the port node:cluster shares, or, with host affinity, on the connections
// the primary accepts and hands to the worker in charge of their Host (affinity.ts).
import cluster, { type Worker } from 'node:cluster'
import type { Server } from 'node:net'
import { handOver, listenForHeads } from './affinity.ts'
import { type Affinity, how, ignore, kind, log, READY, SHUTDOWN } from './cluster-messages.ts'
import { Rendezvous } from './rendezvous.ts'
import { DEFAULTS, urlFor } from './serve.ts'
import { onShutdownSignals } from './shutdown.ts'

export { type Affinity, DEFAULT_AFFINITY } from './cluster-messages.ts'
export { serveWorker } from './cluster-worker.ts'

const KILL_GRACE = 5_000 // beyond shutdownTimeout, for dispose hooks and exit, before SIGKILL
const STABLE = 10_000 // a worker that lived this long was not crash-looping
const MAX_BACKOFF = 30_000

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
  /** Called once every first worker serves, with the URL to reach them at. */
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
  /** Its place in the affinity hash: a replacement or a successor takes over its hosts. */
  slot: number
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
  /** With host affinity: the workers that take new connections, and the primary's listener. */
  readonly #ring: Rendezvous<Worker> | undefined
  #listener: Server | undefined

  constructor(options: PrimaryOptions) {
    this.#options = options
    if (options.affinity === 'host') this.#ring = new Rendezvous(options.workers)
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
      const first = Array.from({ length: this.#options.workers }, (_, i) => this.#fork(false, i))
      const urls = await Promise.all(first.map((worker) => this.#ready(worker)))
      const url = this.#ring === undefined ? urls[0] : await this.#listen()
      if (this.#state === 'booting') {
        this.#state = 'running'
        this.#options.onReady(url as string)
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

  #fork(replacement: boolean, slot: number): Worker {
    const worker = cluster.fork()
    const born: Born = { at: Date.now(), ready: false, replacement, slot }
    this.#born.set(worker, born)
    this.#live.add(worker)
    worker.on('message', (message: unknown) => {
      if (kind(message) !== READY) return
      born.ready = true
      // From now on it takes its slot's new connections (from its predecessor, if rolled).
      if (this.#live.has(worker)) this.#ring?.set(slot, worker)
    })
    return worker
  }

  /** Host affinity: the primary listens itself and hands each connection over. */
  async #listen(): Promise<string> {
    const ring = this.#ring as Rendezvous<Worker>
    const { port = 5000, host = 'localhost', trustProxy = false } = this.#options
    const routing = { trustProxy, headersTimeout: DEFAULTS.headersTimeout, route: handOver(ring) }
    this.#listener = await listenForHeads(routing, port, host)
    const address = this.#listener.address()
    return urlFor(host, typeof address === 'object' && address !== null ? address.port : port)
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
    // Its hosts go to the others until a replacement takes the slot back.
    if (born !== undefined && this.#ring?.get(born.slot) === worker) {
      this.#ring.set(born.slot, undefined)
    }
    if (!this.#live.delete(worker) || this.#state !== 'running' || born === undefined) return
    // A new worker of a rolling restart that fails to start: the restart handles it.
    if (!born.ready && !born.replacement) return
    this.#crashes = Date.now() - born.at < STABLE ? this.#crashes + 1 : 0
    const delay = this.#crashes === 0 ? 0 : Math.min(100 * 2 ** this.#crashes, MAX_BACKOFF)
    log(`worker ${worker.process.pid} ${how(code, signal)}; replacing it in ${delay} ms`)
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      if (this.#state === 'running') this.#fork(true, born.slot)
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
            await this.#ready(this.#fork(false, this.#born.get(worker)?.slot ?? 0))
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
    // Accept no more; connections already handed over drain in their workers.
    this.#listener?.close()
    this.#stopping ??= Promise.all(
      Object.values(cluster.workers ?? {}).map((worker) => this.#retire(worker as Worker)),
    ).then(() => undefined)
    return this.#stopping
  }
}

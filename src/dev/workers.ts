// Dev worker processes. One is forked ahead (unless `spare: false`), a spare: Node, the
// TypeScript loader and the worker's own modules start while nobody waits, and a change only
// tells it to load the entry, so a reload pays for the app's import alone. Once a worker
// serves, the next spare starts. Retired workers finish their requests first.
import { type ChildProcess, fork } from 'node:child_process'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DevChildren } from './children.ts'
import type { SupervisorMessage, WorkerMessage } from './worker.ts'

// The worker module next to this one, .ts when running from source and .js when built.
const WORKER = fileURLToPath(
  new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
)
// switchyard's own modules (src/ or dist/), which a spare has already loaded.
const OWN = fileURLToPath(new URL('../', import.meta.url))
const MODULE = /\.[cm]?[jt]sx?$/
const SPARE_DELAY_MS = 100

export interface WorkerOptions {
  entry: string | undefined
  trustProxy: boolean
  inspect: boolean
  /** Keep a spare worker forked ahead (default): false saves its memory, not a reload's start. */
  spare?: boolean
}

export interface DevWorker {
  process: ChildProcess
  port: number
  /** The entry failed to load: the worker answers with the error page. */
  failed: boolean
  inspector: string | undefined
  /** Resolves when the process has exited. */
  exited: Promise<void>
}

/** A forked worker: warm once it waits for the word to load the entry, then ready. */
interface Forked {
  process: ChildProcess
  warm: Promise<void>
  ready: Promise<DevWorker>
  exited: Promise<void>
}

export class DevWorkers {
  readonly #options: WorkerOptions
  readonly #onFiles: ((files: string[]) => void) | undefined
  readonly #children: DevChildren | undefined
  #spare: Forked | undefined
  // The worker being started: what `abort()` kills besides the spare.
  #starting: Forked | undefined
  #closed = false

  /** `onFiles` hears the files each worker's app imports; `children` owns spawned apps. */
  constructor(options: WorkerOptions, onFiles?: (files: string[]) => void, children?: DevChildren) {
    this.#options = options
    this.#onFiles = onFiles
    this.#children = children
  }

  /** A worker serving the entry as it is now; rejects if it dies before it listens. */
  async start(): Promise<DevWorker> {
    let forked = this.#spare ?? this.#fork(false)
    this.#spare = undefined
    this.#starting = forked
    try {
      // A spare that died while it waited is no reason to fail: fork again, as without one.
      await forked.warm.catch(() => {
        if (this.#closed) throw new Error('the dev server is closing')
        forked = this.#fork(false)
        this.#starting = forked
        return forked.warm
      })
      forked.process.send({ type: 'load' } satisfies SupervisorMessage, () => {})
      return await forked.ready
    } finally {
      if (this.#starting === forked) this.#starting = undefined
      // Once the new worker has its first requests: forking takes the supervisor a few ms,
      // and the spare's start takes a core.
      if (this.#options.spare !== false) {
        setTimeout(() => {
          if (!this.#closed && this.#spare === undefined) this.#spare = this.#fork(true)
        }, SPARE_DELAY_MS).unref()
      }
    }
  }

  /**
   * Files changed: the spare has loaded switchyard's own modules, and Node and the
   * TypeScript loader have read package.json, tsconfig.json and flags' files, so a change to
   * anything but the app's JavaScript or TypeScript modules starts the next worker afresh.
   */
  changed(files: string[]): void {
    if (files.every((file) => MODULE.test(file) && !file.startsWith(OWN))) return
    const spare = this.#spare
    this.#spare = undefined
    if (spare !== undefined) void retireWorker(spare)
  }

  /** Stops the spare; the serving workers are the caller's to retire. */
  async close(): Promise<void> {
    this.#closed = true
    const spare = this.#spare
    this.#spare = undefined
    if (spare !== undefined) await retireWorker(spare)
  }

  /**
   * Kills the worker being started and the spare at once (a signal before the server is
   * up): the start in progress rejects, and nothing is left to hold the process.
   */
  abort(): void {
    this.#closed = true
    for (const forked of [this.#starting, this.#spare]) forked?.process.kill('SIGKILL')
    this.#spare = undefined
  }

  /** A spare also warms the TypeScript loader while it waits; a worker loading at once need not. */
  #fork(spare: boolean): Forked {
    const { entry, trustProxy, inspect } = this.#options
    const child = fork(WORKER, [], {
      env: {
        ...process.env,
        SWITCHYARD_ENTRY: entry ?? '',
        SWITCHYARD_TRUST_PROXY: trustProxy ? '1' : '',
        // Framework instances install their dev error hooks (core/frameworks.ts).
        SWITCHYARD_DEV: '1',
        SWITCHYARD_SPARE: spare ? '1' : '',
      },
      execArgv: inspect ? [...process.execArgv, '--inspect=127.0.0.1:0'] : process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        this.#children?.orphan(child)
        resolve()
      }),
    )
    const warm = deferred<void>()
    const ready = deferred<DevWorker>()
    child.once('exit', (code, signal) => {
      const error = new Error(`the dev worker exited (${code ?? signal}) before it was ready`)
      warm.reject(error)
      ready.reject(error)
    })
    child.on('message', (message: WorkerMessage) => {
      if (this.#children?.handle(message, child)) return
      switch (message.type) {
        case 'warm':
          return warm.resolve()
        case 'files':
          return this.#onFiles?.(message.files)
        case 'ready':
          return ready.resolve({
            process: child,
            port: message.port,
            failed: message.failed,
            inspector: message.inspector,
            exited,
          })
      }
    })
    const forked: Forked = { process: child, warm: warm.promise, ready: ready.promise, exited }
    // A spare that dies while it waits is forgotten; the next start forks anew.
    void exited.then(() => {
      if (this.#spare === forked) this.#spare = undefined
    })
    return forked
  }
}

/** Lets the worker finish its in-flight requests and exit; kills it if it takes too long. */
export async function retireWorker(
  worker: Pick<DevWorker, 'process' | 'exited'>,
  timeoutMs = 10_000,
): Promise<void> {
  if (worker.process.connected)
    worker.process.send({ type: 'shutdown' } satisfies SupervisorMessage, () => {})
  const timer = setTimeout(() => worker.process.kill('SIGKILL'), timeoutMs)
  await worker.exited
  clearTimeout(timer)
}

/** A promise with its settle functions; a rejection nobody awaits is no crash. */
function deferred<T>() {
  let resolve: (value: T) => void = () => {}
  let reject: (error: Error) => void = () => {}
  const promise = new Promise<T>((yes, no) => {
    resolve = yes
    reject = no
  })
  promise.catch(() => {})
  return { promise, resolve, reject }
}

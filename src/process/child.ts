// A supervised child process serving HTTP: started on first need, ready once it answers,
// restarted with backoff when it dies, stopped with its whole process group.
import type { ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import {
  type ChildAddress,
  formatAddress,
  freePort,
  removeDirectory,
  removeSocket,
  socketDirectory,
  socketPath,
} from './address.ts'
import { backoffDelay, STABLE_AFTER } from './backoff.ts'
import type { ChildExit, ChildInfo, ChildState } from './info.ts'
import { launch } from './launch.ts'
import { type ChildOptions, type ResolvedOptions, resolveOptions } from './options.ts'
import { probe } from './probe.ts'
import { Waiters } from './waiters.ts'
import { signalGroup, unwatch, watch } from './watchdog.ts'

export type { ChildAddress } from './address.ts'
export type { ChildExit, ChildInfo, ChildState } from './info.ts'
export type { ChildOptions, LogStream } from './options.ts'

/** The running process and what belongs to it. */
interface Run {
  process: ChildProcess
  pid: number
  address: ChildAddress
  readySince: number
  timedOut: boolean
  stopProbe(): void
  timers: NodeJS.Timeout[]
}

/**
 * One supervised process. Events: 'ready' (address), 'exit' (code, signal, expected),
 * 'restart' (attempt: restarts since it was last stable, delayMs).
 */
export class Child extends EventEmitter {
  readonly #options: ResolvedOptions
  #state: ChildState = 'stopped'
  #started = false
  #run: Run | undefined
  #ready: ChildAddress | undefined
  readonly #waiters = new Waiters()
  #restarts = 0
  #attempt = 0
  #lastExit: ChildExit | undefined
  #failure: Error | undefined
  #backoff: NodeJS.Timeout | undefined
  #socketDir: string | undefined
  #stopped: Promise<void> | undefined

  constructor(options: ChildOptions) {
    super()
    this.#options = resolveOptions(options)
  }

  /** The address while ready, else undefined. */
  get address(): ChildAddress | undefined {
    return this.#ready
  }

  ready(): Promise<ChildAddress> {
    const { name, readyTimeout } = this.#options
    if (this.#stopped) return Promise.reject(new Error(`${name}: stopped, it will not start again`))
    if (this.#failure) return Promise.reject(this.#failure)
    if (this.#ready) return Promise.resolve(this.#ready)
    const waiting = this.#waiters.wait(
      readyTimeout,
      () => new Error(`${name}: not ready within ${readyTimeout} ms${this.#why()}`),
    )
    if (!this.#started) {
      this.#started = true
      void this.#start()
    }
    return waiting
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stop()
    return this.#stopped
  }

  info(): ChildInfo {
    const run = this.#run
    const info: ChildInfo = {
      name: this.#options.name,
      command: [...this.#options.command],
      pid: run?.pid,
      state: this.#state,
      ready: this.#ready !== undefined,
      uptime: run?.readySince ? Date.now() - run.readySince : 0,
      restarts: this.#restarts,
      address: run ? formatAddress(run.address) : undefined,
    }
    if (this.#lastExit) info.lastExit = { ...this.#lastExit }
    return info
  }

  async #stop(): Promise<void> {
    clearTimeout(this.#backoff)
    this.#waiters.rejectAll(new Error(`${this.#options.name}: stopped before it was ready`))
    const run = this.#run
    if (run) {
      const exited = new Promise((resolve) => run.process.once('exit', resolve))
      this.#terminate(run)
      await exited
    }
    this.#state = 'stopped'
    if (this.#socketDir) await removeDirectory(this.#socketDir).catch(() => {})
  }

  async #start(): Promise<void> {
    this.#state = 'starting'
    let address: ChildAddress
    try {
      address = await this.#allocate()
    } catch (error) {
      this.#fail(new Error(`${this.#options.name}: no address to start on`, { cause: error }))
      return
    }
    if (this.#stopped) {
      // stop() came while the address was being found: it may have missed the directory.
      if (this.#socketDir) await removeDirectory(this.#socketDir).catch(() => {})
      return
    }
    const child = launch(this.#options, address, (error) => this.#fail(error))
    if (child?.pid === undefined) return
    const run: Run = {
      process: child,
      pid: child.pid,
      address,
      readySince: 0,
      timedOut: false,
      stopProbe: () => {},
      timers: [],
    }
    this.#run = run
    watch(run.pid, this.#options.grace)
    child.once('exit', (code, signal) => this.#exited(run, code, signal))
    run.stopProbe = probe(address, this.#options.ready, () => this.#becameReady(run))
    const startTimer = setTimeout(() => {
      run.timedOut = true
      this.#terminate(run)
    }, this.#options.readyTimeout)
    run.timers.push(startTimer)
  }

  async #allocate(): Promise<ChildAddress> {
    const { port } = this.#options
    if (port === 'socket') {
      this.#socketDir ??= await socketDirectory()
      const path = socketPath(this.#socketDir)
      await removeSocket(path)
      return { socketPath: path }
    }
    return { host: '127.0.0.1', port: port === 'auto' ? await freePort() : port }
  }

  #becameReady(run: Run): void {
    if (this.#run !== run || this.#stopped) return
    for (const timer of run.timers.splice(0)) clearTimeout(timer)
    run.readySince = Date.now()
    this.#ready = run.address
    this.#state = 'ready'
    this.#waiters.resolveAll(run.address)
    this.emit('ready', run.address)
  }

  /** SIGTERM to the group now, SIGKILL after the grace if it is still there. */
  #terminate(run: Run): void {
    run.stopProbe()
    signalGroup(run.pid, 'SIGTERM')
    run.timers.push(setTimeout(() => signalGroup(run.pid, 'SIGKILL'), this.#options.grace))
  }

  #exited(run: Run, code: number | null, signal: string | null): void {
    run.stopProbe()
    for (const timer of run.timers.splice(0)) clearTimeout(timer)
    // The leader is gone: whatever it left in its group goes too (workers of a crashed
    // master would hold the port the restart needs), and the watchdog forgets the group.
    signalGroup(run.pid, 'SIGKILL')
    unwatch(run.pid)
    this.#run = undefined
    this.#ready = undefined
    this.#lastExit = { code, signal }
    const expected = this.#stopped !== undefined
    this.emit('exit', code, signal, expected)
    if (expected) return
    const { name, restart, readyTimeout } = this.#options
    if (!restart) {
      const why = run.timedOut
        ? `was not ready within ${readyTimeout} ms and was stopped`
        : `exited (${describeExit(this.#lastExit)})`
      this.#fail(new Error(`${name}: ${why}; restart is off`))
      return
    }
    if (run.readySince !== 0 && Date.now() - run.readySince >= STABLE_AFTER) this.#attempt = 0
    const delay = backoffDelay(++this.#attempt)
    this.#restarts++
    this.#state = 'backoff'
    this.#backoff = setTimeout(() => void this.#start(), delay)
    this.emit('restart', this.#attempt, delay)
  }

  #fail(error: Error): void {
    this.#state = 'failed'
    this.#failure = error
    this.#waiters.rejectAll(error)
  }

  /** Why it is not ready, for a ready() that gives up. */
  #why(): string {
    if (this.#state === 'backoff' && this.#lastExit) {
      return `: it exited (${describeExit(this.#lastExit)}) and is restarting`
    }
    const run = this.#run
    if (!run) return ''
    return `: GET ${this.#options.ready} on ${formatAddress(run.address)} got no HTTP answer yet`
  }
}

function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`
}

// A spawned app's process under `switchyard dev`: the dev server's supervisor owns the
// process, so it survives reloads of the JS entry (a new worker with the same command and
// options gets the same process; DESIGN §4b), and the worker holds this stand-in, kept
// current over the worker's IPC channel.
import type { ChildAddress } from './address.ts'
import type { ChildInfo } from './info.ts'
import { type ChildOptions, resolveOptions } from './options.ts'
import { Waiters } from './waiters.ts'

/** What a spawned app needs of its process, wherever the process lives. */
export interface ChildHandle {
  readonly address: ChildAddress | undefined
  ready(): Promise<ChildAddress>
  stop(): Promise<void>
  info(): ChildInfo
}

/** The options that cross to the supervisor (the log function stays: dev prints the output). */
export type ChildSpec = Omit<ChildOptions, 'log'> & { command: string[] }

/** Worker → supervisor. */
export type ChildRequest =
  | { type: 'spawn:start'; id: string; spec: ChildSpec }
  /** `reload`: the worker is retiring; the supervisor keeps the process for its successor. */
  | { type: 'spawn:release'; id: string; reload: boolean }

/** Supervisor → worker: the process's state, after each change. */
export interface ChildUpdate {
  type: 'spawn:state'
  id: string
  address: ChildAddress | undefined
  info: ChildInfo
  /** Why it will not become ready (it failed, or was stopped). */
  error?: string
}

interface Channel {
  send?: (message: unknown) => unknown
  on(event: 'message', listener: (message: unknown) => void): unknown
}

const handles = new Map<string, RemoteChild>()
let listening = false
let retiring = false
let next = 0

/** Under `switchyard dev`, processes belong to the supervisor: true in its workers. */
export function supervisedByDev(): boolean {
  return process.env.SWITCHYARD_DEV === '1' && typeof process.send === 'function'
}

export class RemoteChild implements ChildHandle {
  readonly #id = `${process.pid}.${next++}`
  readonly #spec: ChildSpec
  readonly #readyTimeout: number
  readonly #waiters = new Waiters()
  #started = false
  #released = false
  #address: ChildAddress | undefined = undefined
  #info: ChildInfo
  #error: string | undefined = undefined

  constructor(options: ChildOptions) {
    const resolved = resolveOptions(options)
    const { log: _log, ...spec } = options
    this.#spec = { ...spec, command: resolved.command }
    this.#readyTimeout = resolved.readyTimeout
    this.#info = {
      name: resolved.name,
      command: resolved.command,
      pid: undefined,
      state: 'stopped',
      ready: false,
      uptime: 0,
      restarts: 0,
      address: undefined,
    }
  }

  get address(): ChildAddress | undefined {
    return this.#address
  }

  ready(): Promise<ChildAddress> {
    if (this.#released) return Promise.reject(new Error(`${this.#info.name}: stopped`))
    if (this.#address !== undefined) return Promise.resolve(this.#address)
    if (this.#error !== undefined) return Promise.reject(new Error(this.#error))
    const waiting = this.#waiters.wait(
      this.#readyTimeout,
      () => new Error(`${this.#info.name}: not ready within ${this.#readyTimeout} ms`),
    )
    if (!this.#started) {
      this.#started = true
      listen()
      handles.set(this.#id, this)
      send({ type: 'spawn:start', id: this.#id, spec: this.#spec })
    }
    return waiting
  }

  async stop(): Promise<void> {
    if (this.#released) return
    this.#released = true
    this.#address = undefined
    this.#waiters.rejectAll(new Error(`${this.#info.name}: stopped`))
    if (!this.#started) return
    handles.delete(this.#id)
    send({ type: 'spawn:release', id: this.#id, reload: retiring })
  }

  info(): ChildInfo {
    const info = { ...this.#info }
    if (info.ready && info.uptime > 0) info.uptime += Date.now() - this.#updated
    return info
  }

  #updated = Date.now()

  /** @internal */
  update(message: ChildUpdate): void {
    this.#info = message.info
    this.#updated = Date.now()
    this.#address = message.address
    this.#error = message.error
    if (message.address !== undefined) this.#waiters.resolveAll(message.address)
    else if (message.error !== undefined) this.#waiters.rejectAll(new Error(message.error))
  }
}

function send(message: ChildRequest): void {
  ;(process as Channel).send?.(message)
}

function listen(): void {
  if (listening) return
  listening = true
  ;(process as Channel).on('message', (message) => {
    // The dev server retires this worker after a reload: its processes go to the next one.
    if ((message as { type?: unknown })?.type === 'shutdown') retiring = true
    const update = message as Partial<ChildUpdate>
    if (update?.type === 'spawn:state' && typeof update.id === 'string') {
      handles.get(update.id)?.update(update as ChildUpdate)
    }
  })
}

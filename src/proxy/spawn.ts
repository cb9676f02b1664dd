// spawn(): an app in a child process that switchyard starts, supervises and forwards to
// (DESIGN §4b). The process starts on the first request (or when a lazy dispatcher creates
// the instance, which waits for it to be ready); requests wait while it is starting or
// restarting, bounded by readyTimeout, then 503. Its upstream follows the process's
// address; close() (the server closing, the instance evicted) stops the process group.
import { HttpError } from '../core/errors.ts'
import type { Leaf, ProxyLeaf } from '../core/leaf-kinds.ts'
import type { MetricsNode } from '../core/types.ts'
import { BaseDispatcher } from '../dispatch/dispatcher.ts'
import { Child, type ChildAddress, type ChildOptions } from '../process/child.ts'
import { type ChildHandle, RemoteChild, supervisedByDev } from '../process/remote-child.ts'
import { Upstream } from './core.ts'
import { parseTarget, proxyLeaf, type UpstreamOptions, upstreamSettings } from './upstream.ts'

export interface SpawnOptions extends Omit<ChildOptions, 'command'>, UpstreamOptions {}

/** @internal */
export class SpawnedApp extends BaseDispatcher {
  readonly #child: ChildHandle
  readonly #settings: ReturnType<typeof upstreamSettings>
  /** The address the current upstream reaches, and its leaf. */
  #address: ChildAddress | undefined = undefined
  #upstream: Upstream | undefined = undefined
  #leaf: ProxyLeaf | undefined = undefined

  constructor(command: readonly string[], options: SpawnOptions) {
    super()
    this.#settings = upstreamSettings(options, 'spawn()')
    // Under `switchyard dev` the dev server owns the process, so it outlives reloads.
    this.#child = supervisedByDev()
      ? new RemoteChild({ ...options, command })
      : new Child({ ...options, command })
  }

  _resolve(): Leaf | Promise<Leaf> {
    const address = this.#child.address
    if (address !== undefined)
      return address === this.#address ? (this.#leaf as Leaf) : this.#to(address)
    return this.#child.ready().then(
      (ready) => this.#to(ready),
      (error: unknown) => {
        throw new HttpError(503, "Service Unavailable: the app's process is not ready", {
          cause: error,
          expose: true,
          headers: { 'retry-after': '1' },
        })
      },
    )
  }

  /** @internal Starts the process; resolves once it answers (lazy creation waits for it). */
  async _ready(): Promise<void> {
    this.#to(await this.#child.ready())
  }

  // A new process (a restart) may listen elsewhere: a new pool for it; the old one closes
  // once its requests are done.
  #to(address: ChildAddress): ProxyLeaf {
    if (address === this.#address) return this.#leaf as ProxyLeaf
    void this.#upstream?.close()
    const target = parseTarget(
      'socketPath' in address
        ? { socketPath: address.socketPath }
        : `http://127.0.0.1:${address.port}`,
    )
    const up = new Upstream(target, this.#settings)
    this.#address = address
    this.#upstream = up
    this.#leaf = { ...proxyLeaf(up, this), label: this.#label() }
    return this.#leaf
  }

  #label(): string {
    return `spawn ${this.#child.info().command.join(' ')}`
  }

  _children(): [] {
    return []
  }

  _tree(metrics: boolean): MetricsNode {
    const node = this._node('spawn', this.#label(), undefined, metrics)
    if (!metrics) return node
    const info = this.#child.info()
    node.process = {
      command: info.command,
      pid: info.pid,
      state: info.state,
      ready: info.ready,
      uptime: info.uptime,
      restarts: info.restarts,
    }
    if (this.#leaf !== undefined) node.upstream = this.#leaf.metrics()
    return node
  }

  /** Stops the process (SIGTERM, SIGKILL after `grace`) and closes its pool. */
  override async close(): Promise<void> {
    await this.#child.stop()
    await this.#upstream?.close()
  }
}

/**
 * Starts `command` (an argv array; `{port}` is replaced, and PORT set, with a free loopback
 * port or a Unix socket path), supervises it, and forwards requests and upgrades to it.
 */
export function spawn(command: readonly string[], options: SpawnOptions = {}): SpawnedApp {
  return new SpawnedApp(command, options)
}

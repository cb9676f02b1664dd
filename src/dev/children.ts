// The spawned apps' processes under `switchyard dev`, owned by the dev server rather than
// its workers: a reload starts a new worker, and a spawn() with the same command and
// options gets the process the old worker had (its own reloader, `flask run --debug`,
// handles its code). A process no worker claims within a minute of a reload is stopped;
// all are stopped when the dev server closes. Their output is printed with a coloured name.
import type { ChildProcess } from 'node:child_process'
import { Child } from '../process/child.ts'
import type { ChildRequest, ChildSpec, ChildUpdate } from '../process/remote-child.ts'
import { blue, cyan, green, magenta, yellow } from './color.ts'

const UNCLAIMED = 60_000
const COLORS = [cyan, magenta, yellow, green, blue]

interface Held {
  child: Child
  key: string
  /** The worker and the id it knows the process by; none between a reload and a claim. */
  owner: { worker: ChildProcess; id: string } | undefined
  expiry: NodeJS.Timeout | undefined
}

export class DevChildren {
  readonly #held = new Set<Held>()
  #colors = 0
  readonly #colorOf = new Map<string, (text: string) => string>()

  /** Handles a worker's message about its processes; false for any other message. */
  handle(message: unknown, worker: ChildProcess): boolean {
    const request = message as Partial<ChildRequest>
    if (request?.type === 'spawn:start')
      this.#start(request as ChildRequest & { spec: ChildSpec }, worker)
    else if (request?.type === 'spawn:release')
      this.#release(request.id as string, request.reload === true)
    else return false
    return true
  }

  /** A worker exited: what it held waits for the next worker, as after a reload. */
  orphan(worker: ChildProcess): void {
    for (const held of this.#held) if (held.owner?.worker === worker) this.#unclaimed(held)
  }

  /** Processes held now (the dashboard and the tests read them). */
  get size(): number {
    return this.#held.size
  }

  async close(): Promise<void> {
    const all = [...this.#held]
    this.#held.clear()
    await Promise.all(all.map((held) => this.#stop(held)))
  }

  #start({ id, spec }: { id: string; spec: ChildSpec }, worker: ChildProcess): void {
    const key = keyOf(spec)
    // Unclaimed, or held by an older worker (the retiring one releases it only once its
    // requests are done, after the new worker may already have asked).
    let held = [...this.#held].find((h) => h.key === key && h.owner?.worker !== worker)
    if (held === undefined) {
      const name = spec.name ?? (spec.command[0] as string).split('/').pop() ?? 'app'
      const paint = this.#paint(name)
      const child = new Child({
        ...spec,
        log: (line, stream) =>
          (stream === 'stderr' ? process.stderr : process.stdout).write(
            `${paint(`[${name}]`)} ${line}\n`,
          ),
      })
      held = { child, key, owner: undefined, expiry: undefined }
      this.#held.add(held)
      const target = held
      for (const event of ['ready', 'exit', 'restart']) child.on(event, () => this.#update(target))
      child.ready().catch((error: unknown) => this.#update(target, (error as Error).message))
    }
    clearTimeout(held.expiry)
    held.owner = { worker, id }
    this.#update(held)
  }

  #release(id: string, reload: boolean): void {
    const held = [...this.#held].find((h) => h.owner?.id === id)
    if (held === undefined) return
    if (reload) this.#unclaimed(held)
    else {
      this.#held.delete(held)
      void this.#stop(held)
    }
  }

  #unclaimed(held: Held): void {
    held.owner = undefined
    clearTimeout(held.expiry)
    held.expiry = setTimeout(() => {
      this.#held.delete(held)
      void this.#stop(held)
    }, UNCLAIMED)
    held.expiry.unref()
  }

  #stop(held: Held): Promise<void> {
    clearTimeout(held.expiry)
    return held.child.stop()
  }

  #update(held: Held, error?: string): void {
    const owner = held.owner
    if (owner === undefined || !owner.worker.connected) return
    const update: ChildUpdate = {
      type: 'spawn:state',
      id: owner.id,
      address: held.child.address,
      info: held.child.info(),
    }
    if (error !== undefined) update.error = error
    owner.worker.send(update)
  }

  #paint(name: string): (text: string) => string {
    let paint = this.#colorOf.get(name)
    if (paint === undefined) {
      paint = COLORS[this.#colors++ % COLORS.length] as (text: string) => string
      this.#colorOf.set(name, paint)
    }
    return paint
  }
}

/** The same command and options, in any key order: the same process. */
function keyOf(spec: ChildSpec): string {
  return JSON.stringify(spec, (_key, value) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  )
}

// What close() waits for: creations in progress and evicted instances not yet disposed.
// Runs the dispose hook once per instance and reports its failures.
import { isThenable } from '../core/thenable.ts'
import { DISPOSED, type Entry, EVICTED } from './entry.ts'

export type Report = (error: unknown, key: string, phase: 'create' | 'dispose') => void

export class Disposals<T> {
  readonly #dispose: ((instance: T, key: string) => unknown) | undefined
  readonly #report: Report
  #outstanding = 0
  #drained: (() => void) | undefined = undefined

  constructor(dispose: ((instance: T, key: string) => unknown) | undefined, report: Report) {
    this.#dispose = dispose
    this.#report = report
  }

  /** One more thing to wait for (a creation, an evicted instance). */
  add(): void {
    this.#outstanding++
  }

  /** `count` things are done. */
  settle(count: number): void {
    this.#outstanding -= count
    if (this.#outstanding === 0 && this.#drained !== undefined) this.#drained()
  }

  /** Resolves once everything added is settled (now, if nothing is outstanding). */
  drained(): Promise<void> {
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve
    })
    this.settle(0)
    return drained
  }

  /** Disposes an evicted record's instance, once. */
  runOnce(entry: Entry<T>): void {
    if (entry.state !== EVICTED) return
    entry.state = DISPOSED
    this.run(entry.instance, entry.key, true)
  }

  /** Runs `dispose`; `counted` says the instance was added (settled once disposed). */
  run(instance: T, key: string, counted: boolean): void {
    const done = () => counted && this.settle(1)
    const failed = (error: unknown) => {
      this.#report(error, key, 'dispose')
      done()
    }
    try {
      const result = this.#dispose?.(instance, key)
      if (isThenable(result)) Promise.resolve(result).then(done, failed)
      else done()
    } catch (error) {
      failed(error)
    }
  }
}

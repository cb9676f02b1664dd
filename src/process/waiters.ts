// Callers of ready() waiting for the next ready process, each bounded by its own timeout.
import type { ChildAddress } from './address.ts'

interface Waiter {
  resolve(address: ChildAddress): void
  reject(error: Error): void
}

export class Waiters {
  readonly #waiters = new Set<Waiter>()

  /** A promise for the next address; after `timeout` ms it rejects with `onTimeout()`. */
  wait(timeout: number, onTimeout: () => Error): Promise<ChildAddress> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(onTimeout())
      }, timeout)
      const waiter: Waiter = {
        resolve(address) {
          clearTimeout(timer)
          resolve(address)
        },
        reject(error) {
          clearTimeout(timer)
          reject(error)
        },
      }
      this.#waiters.add(waiter)
    })
  }

  resolveAll(address: ChildAddress): void {
    for (const waiter of this.#waiters) waiter.resolve(address)
    this.#waiters.clear()
  }

  rejectAll(error: Error): void {
    for (const waiter of this.#waiters) waiter.reject(error)
    this.#waiters.clear()
  }
}

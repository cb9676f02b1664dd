// A promise with its resolve and reject outside, and whether either was called.

export interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(error: unknown): void
  settled: boolean
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  const d: Deferred<T> = {
    promise,
    resolve(value) {
      d.settled = true
      resolve(value)
    },
    reject(error) {
      d.settled = true
      reject(error)
    },
    settled: false,
  }
  return d
}

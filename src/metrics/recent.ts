// The latest requests a serving process answered, for the dashboard's access log: a ring
// buffer of plain records, so memory stays bounded however busy the server is.

/** One answered request, as the dashboard lists it. */
export interface RecentRequest {
  /** When it arrived (ms since the epoch). */
  time: number
  /** The process that served it. */
  pid: number
  method: string
  /** The request target as the client sent it. */
  url: string
  host: string
  /** 0: the client went away before an answer started. */
  status: number
  /** From arrival to the end of the response. */
  ms: number
  /** The base path of the app that served it; undefined when no app was reached (a 400). */
  app?: string
  /** The lazy key of the instance that served it. */
  key?: string
}

/** Keeps the last `capacity` requests. */
export class RecentRequests {
  readonly #entries: Array<RecentRequest | undefined>
  #next = 0
  #size = 0

  constructor(readonly capacity = 200) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new TypeError(`RecentRequests: capacity must be a positive integer, got ${capacity}`)
    }
    this.#entries = new Array(capacity)
  }

  add(entry: RecentRequest): void {
    this.#entries[this.#next] = entry
    this.#next = (this.#next + 1) % this.capacity
    if (this.#size < this.capacity) this.#size++
  }

  /** Oldest first. */
  list(): RecentRequest[] {
    const out: RecentRequest[] = []
    const start = (this.#next - this.#size + this.capacity) % this.capacity
    for (let i = 0; i < this.#size; i++) {
      out.push(this.#entries[(start + i) % this.capacity] as RecentRequest)
    }
    return out
  }

  get size(): number {
    return this.#size
  }
}

/** Several processes' lists as one: oldest first, the latest `limit`. */
export function mergeRecent(lists: RecentRequest[][], limit = 200): RecentRequest[] {
  const all = lists.flat()
  if (lists.length > 1) all.sort((a, b) => a.time - b.time)
  return all.slice(-limit)
}

// Per-dispatcher request counts by status class, and the trail a request leaves through the
// dispatchers it passes, so its status is counted on each of them once it is known. Plain
// fields bumped in place: a request allocates nothing for them.

let lastId = 0

export class DispatcherStats {
  /** Unique in the process, for as long as the dispatcher lives: what actions name. */
  readonly id = ++lastId
  /** Requests whose client left before an answer started (status 0). */
  c0 = 0
  /** Requests answered, by status class (1xx: upgrades handed to an app). */
  c1 = 0
  c2 = 0
  c3 = 0
  c4 = 0
  c5 = 0

  /** Counts one answer; 0 means none started (the client left). */
  count(status: number): void {
    if (status < 100) this.c0++
    else if (status < 200) this.c1++
    else if (status < 300) this.c2++
    else if (status < 400) this.c3++
    else if (status < 500) this.c4++
    else this.c5++
  }
}

/**
 * The dispatchers a request passed, outermost first. Three slots cover the usual depths
 * (mount → hosts → subdomains) without an array; deeper trees spill into one.
 */
export class Trail {
  #a: DispatcherStats | undefined = undefined
  #b: DispatcherStats | undefined = undefined
  #c: DispatcherStats | undefined = undefined
  #more: DispatcherStats[] | undefined = undefined
  #counted = false

  pass(stats: DispatcherStats): void {
    if (this.#a === undefined) this.#a = stats
    else if (this.#b === undefined) this.#b = stats
    else if (this.#c === undefined) this.#c = stats
    else if (this.#more === undefined) this.#more = [stats]
    else this.#more.push(stats)
  }

  /** Counts the answer's status once on every dispatcher passed (or on `root`, if none). */
  count(status: number, root: DispatcherStats | undefined): void {
    if (this.#counted) return
    this.#counted = true
    if (this.#a === undefined) {
      root?.count(status)
      return
    }
    this.#a.count(status)
    this.#b?.count(status)
    this.#c?.count(status)
    if (this.#more !== undefined) for (const stats of this.#more) stats.count(status)
  }
}

/**
 * Counts an answer given before a leaf was invoked: on the dispatchers passed, or on the
 * root when none was (or when the request failed before it had a context at all).
 */
export function countUnresolved(
  trail: Trail | undefined,
  status: number,
  root: DispatcherStats | undefined,
): void {
  if (trail === undefined) root?.count(status)
  else trail.count(status, root)
}

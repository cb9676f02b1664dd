// Consistent hashing of hosts onto worker slots, by rendezvous (highest random weight)
// hashing: each key ranks every slot by a hash of (key, slot) and takes the best occupied
// one. A slot that empties moves only its own keys (each to its second best), and they come
// back when it is filled again; the other keys never move. With a handful of slots (one per
// core) ranking all of them costs less than a ring lookup and needs no virtual nodes.

/** Slots numbered 0…n-1, each empty or holding a member. */
export class Rendezvous<T> {
  readonly #members: (T | undefined)[]
  readonly #seeds: Uint32Array
  #next = 0

  constructor(slots: number) {
    if (!Number.isInteger(slots) || slots < 1) {
      throw new TypeError(`Rendezvous: slots must be an integer >= 1, got ${slots}`)
    }
    this.#members = new Array<T | undefined>(slots).fill(undefined)
    this.#seeds = new Uint32Array(slots)
    for (let i = 0; i < slots; i++) this.#seeds[i] = mix(Math.imul(i + 1, 0x9e3779b9))
  }

  get slots(): number {
    return this.#members.length
  }

  get(slot: number): T | undefined {
    return this.#members[slot]
  }

  /** Fills (or with `undefined` empties) a slot. */
  set(slot: number, member: T | undefined): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.#members.length) {
      throw new RangeError(`Rendezvous: no slot ${slot} of ${this.#members.length}`)
    }
    this.#members[slot] = member
  }

  /** The slot `key` belongs to among the occupied ones (`-1` when all are empty). */
  slotOf(key: string): number {
    const h = hashString(key)
    let best = -1
    let bestScore = -1
    for (let i = 0; i < this.#members.length; i++) {
      if (this.#members[i] === undefined) continue
      const score = mix(h ^ (this.#seeds[i] as number))
      if (score > bestScore) {
        best = i
        bestScore = score
      }
    }
    return best
  }

  /** The member `key` belongs to; `undefined` when every slot is empty. */
  pick(key: string): T | undefined {
    const slot = this.slotOf(key)
    return slot < 0 ? undefined : this.#members[slot]
  }

  /** Round robin over the occupied slots (those whose member is `usable`). */
  any(usable: (member: T) => boolean = () => true): T | undefined {
    const n = this.#members.length
    for (let tried = 0; tried < n; tried++) {
      const member = this.#members[this.#next]
      this.#next = (this.#next + 1) % n
      if (member !== undefined && usable(member)) return member
    }
    return undefined
  }
}

/** FNV-1a over the UTF-16 code units (hosts are ASCII once parsed), as an unsigned int. */
function hashString(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return mix(h)
}

/** MurmurHash3's finalizer: every input bit reaches every output bit. */
function mix(x: number): number {
  let h = x >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

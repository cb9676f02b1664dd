// Compiled host patterns for `hosts()` (DESIGN.md §3 "Hosts"). Everything is validated and
// indexed once; a lookup is one Map probe for exact hosts and otherwise costs in proportion to
// the host's label count, never to the number of patterns.
import { normalizeDomain } from './host.ts'

export interface HostMatch<T> {
  value: T
  /** Captured labels for `{name}` patterns, `undefined` for every other kind. */
  params: Readonly<Record<string, string>> | undefined
  /** The pattern as it was given. */
  pattern: string
}

export type HostPatternKind = 'exact' | 'capture' | 'wildcard' | 'catch-all'

export interface HostTableEntry<T> {
  pattern: string
  kind: HostPatternKind
  value: T
}

/** The labels left of a capture pattern's literal suffix: literal labels or capture names. */
type Part = string | { readonly name: string }

interface Capture<T> {
  value: T
  pattern: string
  prefix: Part[]
  /** Literal labels in the whole pattern: more of them wins. */
  literals: number
}

const NONE: readonly never[] = []
const CAPTURE = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/

export class HostTable<T> {
  // Exact hosts map straight to their value: a hit reads no record in between, which under
  // load (caches cold between requests) is one dependent memory read less per request.
  readonly #exact = new Map<string, T>()
  readonly #exactPatterns = new Map<string, string>() // host → the pattern as given
  readonly #wildcards = new Map<string, HostMatch<T>>() // by suffix: `example.com`
  readonly #captures = new Map<string, Capture<T>[]>() // by literal suffix, '' if none
  readonly #captureKeys = new Map<string, string>() // `{}.example.com` → pattern, for duplicates
  readonly #entries: HostTableEntry<T>[] = []
  #catchAll: HostMatch<T> | undefined

  constructor(patterns: Record<string, T> | Iterable<[string, T]>, context = 'hosts()') {
    const list = isIterable<[string, T]>(patterns) ? patterns : Object.entries(patterns)
    for (const [pattern, value] of list) {
      this.#entries.push({ pattern, kind: this.#add(pattern, value, context), value })
    }
    // Most literal labels first; the sort is stable, so declaration order breaks ties.
    for (const bucket of this.#captures.values()) bucket.sort((a, b) => b.literals - a.literals)
  }

  /** The pattern for an already normalized host (see `parseHost`): exact > capture > wildcard > `*`. */
  match(host: string): HostMatch<T> | undefined {
    const value = this.#exact.get(host)
    if (value === undefined) return this.matchPattern(host)
    return { value, params: undefined, pattern: this.#exactPatterns.get(host) as string }
  }

  /** The value of an exact host pattern: one Map probe, and nothing allocated. */
  exact(host: string): T | undefined {
    return this.#exact.get(host)
  }

  /** The pattern for a host no exact pattern names: capture > wildcard > `*`. */
  matchPattern(host: string): HostMatch<T> | undefined {
    // Labels of an IPv6 literal are not labels: only exact patterns and `*` apply to it.
    if (host.charCodeAt(0) !== 91 /* [ */) {
      const captured = this.#captures.size > 0 ? this.#matchCapture(host) : undefined
      if (captured !== undefined) return captured
      if (this.#wildcards.size > 0) {
        // Longest suffix first: `*.eu.example.com` beats `*.example.com`.
        for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
          const hit = this.#wildcards.get(host.slice(dot + 1))
          if (hit !== undefined) return hit
        }
      }
    }
    return this.#catchAll
  }

  entries(): HostTableEntry<T>[] {
    return this.#entries.map((e) => ({ ...e }))
  }

  #matchCapture(host: string): HostMatch<T> | undefined {
    let best: Capture<T> | undefined
    let labels: string[] | undefined
    // Try each label-boundary suffix, longest first, ending with '' (all-capture patterns);
    // `count` is the number of host labels in front of that suffix.
    let dot = host.indexOf('.')
    for (let count = 1; ; count++) {
      const bucket = this.#captures.get(dot < 0 ? '' : host.slice(dot + 1))
      for (const c of bucket ?? NONE) {
        if (best !== undefined && c.literals <= best.literals) break
        if (c.prefix.length !== count) continue
        labels ??= host.split('.')
        if (prefixMatches(c.prefix, labels)) {
          best = c
          break
        }
      }
      if (dot < 0) break
      dot = host.indexOf('.', dot + 1)
    }
    if (best === undefined || labels === undefined) return undefined
    const params: Record<string, string> = {}
    const { prefix } = best
    for (let i = 0; i < prefix.length; i++) {
      const p = prefix[i]
      if (typeof p === 'object') params[p.name] = labels[i] as string
    }
    return { value: best.value, params, pattern: best.pattern }
  }

  #add(pattern: string, value: T, context: string): HostPatternKind {
    const where = `${context}: host pattern ${JSON.stringify(pattern)}`
    const fail = (problem: string) => new TypeError(`${where}: ${problem}`)
    if (pattern === '*') {
      if (this.#catchAll !== undefined) throw fail('duplicate catch-all')
      this.#catchAll = { value, params: undefined, pattern }
      return 'catch-all'
    }
    if (pattern.includes('*')) {
      if (!pattern.startsWith('*.') || pattern.includes('*', 1)) {
        throw fail('"*" must be alone or the whole leftmost label, as in "*.example.com"')
      }
      const suffix = normalizeDomain(pattern.slice(2), where, 'suffix')
      if (suffix.charCodeAt(0) === 91) throw fail('an IP literal has no subdomains')
      const other = this.#wildcards.get(suffix)
      if (other !== undefined) throw fail(`duplicate of ${JSON.stringify(other.pattern)}`)
      this.#wildcards.set(suffix, { value, params: undefined, pattern })
      return 'wildcard'
    }
    if (pattern.includes('{') || pattern.includes('}')) {
      this.#addCapture(pattern, value, where, fail)
      return 'capture'
    }
    const host = normalizeDomain(pattern, context, 'host pattern')
    const other = this.#exactPatterns.get(host)
    if (other !== undefined) throw fail(`duplicate of ${JSON.stringify(other)}`)
    this.#exact.set(host, value)
    this.#exactPatterns.set(host, pattern)
    return 'exact'
  }

  #addCapture(pattern: string, value: T, where: string, fail: (p: string) => TypeError): void {
    const names = new Set<string>()
    const parts: Part[] = (pattern.endsWith('.') ? pattern.slice(0, -1) : pattern)
      .split('.')
      .map((label) => {
        if (label === '') throw fail('empty label')
        const m = CAPTURE.exec(label)
        if (m === null) {
          if (label.includes('{') || label.includes('}')) {
            throw fail(`${JSON.stringify(label)}: a capture must be a whole label`)
          }
          if (label.charCodeAt(0) === 91) throw fail('an IP literal cannot have captures')
          return normalizeDomain(label, where, 'label')
        }
        const name = m[1] as string
        if (names.has(name)) throw fail(`duplicate capture name "${name}"`)
        // A param named __proto__ would be lost on assignment to a plain object.
        if (name === '__proto__') throw fail('capture name "__proto__" is reserved')
        names.add(name)
        return { name }
      })
    // Captures are at least one character long, so this is the shortest host it can match.
    const shortest = parts.reduce((n, p) => n + (typeof p === 'string' ? p.length : 1) + 1, -1)
    if (shortest > 253) throw fail('matches no host name of 253 characters or fewer')
    let cut = parts.length
    while (typeof parts[cut - 1] === 'string') cut--
    const suffix = parts.slice(cut).join('.')
    const key = parts.map((p) => (typeof p === 'string' ? p : '{}')).join('.')
    const other = this.#captureKeys.get(key)
    if (other !== undefined) throw fail(`duplicate of ${JSON.stringify(other)}`)
    this.#captureKeys.set(key, pattern)
    const literals = parts.filter((p) => typeof p === 'string').length
    const capture: Capture<T> = { value, pattern, prefix: parts.slice(0, cut), literals }
    const bucket = this.#captures.get(suffix)
    if (bucket === undefined) this.#captures.set(suffix, [capture])
    else bucket.push(capture)
  }
}

function prefixMatches(prefix: Part[], labels: string[]): boolean {
  for (let i = 0; i < prefix.length; i++) {
    const p = prefix[i]
    if (typeof p === 'string' && p !== labels[i]) return false
  }
  return true
}

function isIterable<T>(x: object): x is Iterable<T> {
  return typeof (x as Partial<Iterable<T>>)[Symbol.iterator] === 'function'
}

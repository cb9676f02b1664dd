// switchyard/metrics: a running dispatch tree's counts as plain data, and the two actions
// an operator takes on a lazy dispatcher's instances. Runtime-neutral.
import { describeTarget, isDispatcher, type Target, toTarget } from '../core/leaf.ts'
import type { App, MetricsNode } from '../core/types.ts'

export interface MetricsSnapshot {
  /** The serving process (undefined where there is none, as on Workers). */
  pid: number | undefined
  /** When it was taken (ms since the epoch). */
  time: number
  /** The routes() tree, each dispatcher's node with its counts. */
  tree: MetricsNode
}

/** The app's dispatch tree with every dispatcher's counts, as plain (JSON-able) data. */
export function readMetrics(app: App): MetricsSnapshot {
  const tree = describeTarget(toTarget(app, 'readMetrics()'), true)
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid
  return { pid, time: Date.now(), tree }
}

interface Invalidating {
  invalidate(key: string): boolean
  invalidateAll(): number
}

/**
 * Swaps instances of the lazy dispatcher whose node has this `id` (see readMetrics()):
 * the one for `key`, or all of them. In-flight requests finish on the old instances.
 * Resolves to how many were swapped; a TypeError if no lazy dispatcher has the id.
 */
export function invalidate(app: App, id: number, key?: string): number {
  const found = findDispatcher(toTarget(app, 'invalidate()'), id, new Set())
  if (found === undefined || typeof (found as Partial<Invalidating>).invalidateAll !== 'function') {
    throw new TypeError(`invalidate(): no lazy dispatcher with id ${id} in this app`)
  }
  const lazy = found as unknown as Invalidating
  if (key === undefined) return lazy.invalidateAll()
  return lazy.invalidate(key) ? 1 : 0
}

function findDispatcher(target: Target, id: number, seen: Set<Target>): Target | undefined {
  if (!isDispatcher(target) || seen.has(target)) return undefined
  seen.add(target)
  if (target._stats?.id === id) return target
  for (const child of target._children()) {
    const found = findDispatcher(child, id, seen)
    if (found !== undefined) return found
  }
  return undefined
}

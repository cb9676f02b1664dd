// The instance cache's clock: whole milliseconds, cheap to read on every hit and release.

/** How long one reading is shared (ms), while the event loop turns. */
export const TICK = 10

let cached = -1
const expire = (): void => {
  cached = -1
}
/**
 * Whether a reading may be shared until an unref'd timer clears it: only where timers
 * are event-loop timers that fire whether or not a request is running (Node, Bun: their
 * setTimeout returns an object with unref()). workerd freezes timers between requests and
 * Deno's setTimeout returns a number: there every call reads the clock, which is correct
 * without any timer (and cheap on workerd, whose clock only moves between I/O).
 */
let shared: boolean | undefined =
  (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent ===
  'Cloudflare-Workers'
    ? false
    : undefined

/**
 * A monotonic clock in whole milliseconds, never ahead of real time and about TICK behind
 * it at most while the event loop turns (a loop blocked for longer leaves the reading as
 * old as the block): for times whose exactness nothing depends on (the last use that
 * instances() reports, negative results' age). Idle expiry reads `exactNow()`. Under
 * load, reading the clock on every release, or a timer every millisecond to share a
 * reading, each cost about 2 % of a tenant's request (measured against no clock at all);
 * one timer per TICK costs nothing measurable.
 * Whole numbers, because V8 keeps small integers in the cache record itself, where a
 * fraction would be a number object of its own: one more cold read and write per release.
 * (On 64-bit Node, readings stay small integers for the first 24 days of a process;
 * after that the records hold them as number objects, which is only slower. workerd's
 * clock counts from 1970, so there they never are.)
 */
export function now(): number {
  if (cached >= 0) return cached
  const t = exactNow()
  if (shared === false) return t
  const timer: unknown = setTimeout(expire, TICK)
  if (typeof (timer as { unref?: unknown } | null)?.unref === 'function') {
    ;(timer as { unref(): void }).unref()
    shared = true
    cached = t
  } else {
    clearTimeout(timer as number)
    shared = false
  }
  return t
}

/** The clock read now: idle expiry, which must never come early, and snapshots. */
export function exactNow(): number {
  return Math.floor(performance.now())
}

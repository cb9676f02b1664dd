// The instance cache's clock: milliseconds, cheap to read on every hit.

let cached = -1
const expire = (): void => {
  cached = -1
}
/**
 * Whether a reading may be shared until an unref'd 1 ms timer clears it: only where timers
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
 * A monotonic millisecond clock. Reading performance.now() costs ~50 ns, several times a
 * whole cache hit; last-use times only need millisecond precision, so on Node one reading
 * is shared until an unref'd 1 ms timer clears it (at most one timer per millisecond under
 * load). Nothing depends on that timer firing for correctness beyond the reading's age:
 * where timers may not fire (see `shared`), the clock is read every time.
 */
export function now(): number {
  if (cached >= 0) return cached
  const t = performance.now()
  if (shared === false) return t
  const timer: unknown = setTimeout(expire, 1)
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

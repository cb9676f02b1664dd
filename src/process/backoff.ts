// How long to wait before restarting a child that exited: quick after a one-off crash, slower
// and slower while it keeps failing, so a broken app costs little CPU and little log.

export const FIRST_DELAY = 100
export const MAX_DELAY = 10_000
/** Ready this long before it exited: the next failure starts the backoff from the beginning. */
export const STABLE_AFTER = 10_000

/** The delay before restart number `attempt` (1 for the first since the child was stable). */
export function backoffDelay(attempt: number): number {
  return Math.min(MAX_DELAY, FIRST_DELAY * 2 ** Math.max(0, attempt - 1))
}

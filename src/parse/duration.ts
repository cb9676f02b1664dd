// Durations in options: a number of milliseconds or a string with a unit ('500ms', '30s', '10m').

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

// A unit is required in strings: '10' could mean seconds as easily as milliseconds.
const PATTERN = /^(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h|d)$/

/** The longest delay setTimeout honours; a longer one fires after 1 ms with a warning. */
export const MAX_DURATION = 2 ** 31 - 1

/**
 * Milliseconds for `value`, or a TypeError naming `option`, prefixed with `context`.
 * Accepts a finite number of ms >= 0 or a string such as '500ms', '30s', '1.5h', '10m', '1d'.
 */
export function parseDuration(value: unknown, option: string, context = 'lazy()'): number {
  let ms = Number.NaN
  if (typeof value === 'number') ms = value
  else if (typeof value === 'string') {
    const match = PATTERN.exec(value.trim())
    if (match !== null) ms = Number(match[1]) * (UNITS[match[2] as string] as number)
  }
  if (ms >= 0 && ms <= MAX_DURATION) return ms
  const why = ms > MAX_DURATION ? ` (at most ${MAX_DURATION} ms, about 24.8 days)` : ''
  throw new TypeError(
    `${context}: ${option} must be a number of milliseconds >= 0 or a string like '500ms', '30s', '10m', '1h'${why}, got ${describe(value)}`,
  )
}

/** A short, safe rendering of a bad option value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return 'a function'
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'an array' : 'an object'
}

// The messages between the `switchyard serve` primary and its workers, and their log.

export const SHUTDOWN = 'switchyard:shutdown' // primary -> worker: close gracefully and exit
export const READY = 'switchyard:ready' // worker -> primary: serving, with its URL if listening

/** How new connections reach workers: by a consistent hash of their Host, or round robin. */
export type Affinity = 'host' | 'none'

/**
 * Round robin: with host affinity one Host is served by one worker, so an app with few
 * hosts would use few cores. `--affinity host` is for many tenants (README, "Scaling out").
 */
export const DEFAULT_AFFINITY: Affinity = 'none'

export function kind(message: unknown): unknown {
  return typeof message === 'object' && message !== null
    ? (message as { switchyard?: unknown }).switchyard
    : undefined
}

export function how(code: number | null, signal: string | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code}`
}

export function log(message: string): void {
  console.error(`switchyard serve: ${message}`)
}

export function ignore(): void {}

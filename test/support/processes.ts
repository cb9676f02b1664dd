// Whether a process is alive, and waiting until it is gone, for the tests of spawned apps.
import { setTimeout as sleep } from 'node:timers/promises'

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** True once `pid` is gone, false if it is still alive after `ms`. */
export async function gone(pid: number, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (!alive(pid)) return true
  return !alive(pid)
}

// `--neighbour`: a process that presses on the caches the server shares with the rest of the
// machine, as another tenant of a cloud machine does. It reads and writes 64 MB at random, at
// the lowest priority, on the load generator's core (the orchestrator's affinity, which
// children inherit): it runs while the load generator waits for answers and takes no time
// from the server. A ratio that falls under it is the price of memory that a configuration
// reads and that pressure makes cold (docs/performance.md).
import { spawn } from 'node:child_process'
import { setPriority } from 'node:os'

const WALK = `const a = new Float64Array(8 * 1024 * 1024)
let x = 1
let s = 0
for (;;) {
  x = (Math.imul(x, 1103515245) + 12345) >>> 0
  const j = x & (a.length - 1)
  s += a[j]
  a[j] = s
}`

/** Starts the neighbour; the function returned stops it (so does this process's exit). */
export function startNeighbour(): () => void {
  const child = spawn(process.execPath, ['-e', WALK], { stdio: 'ignore' })
  if (child.pid !== undefined) setPriority(child.pid, 19)
  // Not a reason to stay alive: the orchestrator's exit stops it.
  child.unref()
  const stop = () => {
    child.kill()
  }
  process.once('exit', stop)
  return stop
}

export const NEIGHBOUR = 'a neighbour pressing on the shared caches (--neighbour)'

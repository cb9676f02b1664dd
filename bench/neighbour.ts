// `--neighbours N`: processes beside the load generator that reproduce, on demand, the
// stretches in which the hot-path lines fall on a shared machine. Each reads and writes 64 MB
// at random at nice 19 on the load generator's core (the orchestrator's pinned affinity,
// which children inherit), taking a little of its time: the server stays about 98 % busy.
// The same walkers as idle-class processes (SCHED_IDLE, which never delay the load
// generator) moved nothing, so it is not the pressure on the shared caches that these
// reproduce (docs/performance.md). The upstream rows' upstream servers share that core too.
import { spawn } from 'node:child_process'
import { setPriority } from 'node:os'

// Every million steps it checks that the orchestrator is still there, and leaves with it
// (killed by a signal, the orchestrator never runs its exit hooks).
const walk = (parent: number) => `const a = new Float64Array(8 * 1024 * 1024)
let x = 1
let s = 0
for (let n = 1; ; n++) {
  x = (Math.imul(x, 1103515245) + 12345) >>> 0
  const j = x & (a.length - 1)
  s += a[j] + 1
  a[j] = s
  if ((n & 0xfffff) === 0) {
    try {
      process.kill(${parent}, 0)
    } catch {
      process.exit()
    }
  }
}`

/** Starts `count` neighbours; the function returned stops them (so does this process's exit). */
export function startNeighbours(count: number): () => void {
  const children = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['-e', walk(process.pid)], { stdio: 'ignore' })
    child.on('error', (error) => console.error(`a neighbour failed to start: ${error.message}`))
    if (child.pid !== undefined) setPriority(child.pid, 19)
    // Not a reason to stay alive: the orchestrator's exit stops it.
    child.unref()
    return child
  })
  const stop = () => {
    for (const child of children) child.kill()
  }
  process.once('exit', stop)
  return stop
}

/** The option's value, checked; and what the report says of it (undefined for none). */
export function readNeighbours(
  value: string | undefined,
  pinned: boolean,
): { count: number; description: string | undefined } {
  const count = Number(value ?? 0)
  if (!Number.isInteger(count) || count < 0) {
    console.error(`--neighbours takes a count (0, 1, 2 …), not "${value}"`)
    process.exit(2)
  }
  if (count === 0) return { count, description: undefined }
  if (!pinned) console.warn('--neighbours: not pinned, so they may take time from the server')
  const description = `${count} neighbour${count === 1 ? '' : 's'} at nice 19 on the load core (--neighbours)`
  return { count, description }
}

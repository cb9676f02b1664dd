// `--neighbours 1`: a process beside the load generator that brings on falls in the hot-path
// lines like those of the stretches seen on a shared machine (which lines fall varies from
// run to run). It reads and writes 64 MB at random at nice 19 on the load generator's core
// (the orchestrator's pinned affinity, which children inherit), taking a little of its
// time: the server stays 97–98 % busy. The same walk as an idle-class process (SCHED_IDLE,
// which gives way to the load generator at once) left the lines as they were in the few runs
// made (docs/performance.md). The upstream rows' upstream servers share that core too.
import { spawn } from 'node:child_process'

// Every million steps it checks that the orchestrator is still its parent and alive, and
// leaves with it (killed by a signal, the orchestrator never runs its exit hooks).
const walk = (parent: number) => `const a = new Float64Array(8 * 1024 * 1024)
let x = 1
let s = 0
for (let n = 1; ; n++) {
  x = (Math.imul(x, 1103515245) + 12345) >>> 0
  const j = x & (a.length - 1)
  s += a[j] + 1
  a[j] = s
  if ((n & 0xfffff) === 0) {
    if (process.ppid !== ${parent}) process.exit()
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
    // Through nice(1), so every thread of it starts at nice 19.
    const node = [process.execPath, '-e', walk(process.pid)]
    const child = spawn('nice', ['-n', '19', ...node], { stdio: 'ignore' })
    child.on('error', (error) => console.error(`a neighbour failed to start: ${error.message}`))
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
  const count = value === undefined ? 0 : Number(value)
  if (value !== undefined && !/^\d+$/.test(value)) {
    console.error(`--neighbours takes a count (0, 1, 2 …), not "${value}"`)
    process.exit(2)
  }
  if (count === 0) return { count, description: undefined }
  if (!pinned) console.warn('--neighbours: not pinned, so they may take time from the server')
  if (count > 1) console.warn('--neighbours: two or more slow the load generator: use one')
  const where = pinned ? 'on the load core' : 'not pinned'
  const description = `${count} neighbour${count === 1 ? '' : 's'} at nice 19, ${where} (--neighbours)`
  return { count, description }
}

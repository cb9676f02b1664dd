// One tool on one app: start it, wait until it serves, keep the request loop going, then
// save atomically (write a copy next to the file, rename it over, as editors do) and time
// save → first answer carrying the new marker, again and again.
//
// A tool that misses a save (nothing new within MISSED_MS) is started anew and, from then
// on, before each save: Node 20's `node --watch` on Linux watches each file's inode, so it
// sees the first atomic save of a file and none after; started anew, it watches the new one.
import { execFileSync } from 'node:child_process'
import { renameSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { type BenchApp, prepare } from './apps.ts'
import { startLoop, waitForMarker } from './loop.ts'
import { run, type Tool } from './tools.ts'

const MISSED_MS = 5000

export interface Row {
  app: string
  tool: string
  /** Save → first answer from the new code, ms, one per save served. */
  times: number[]
  missed: number
  /** Times the tool was started (more than one once it missed a save). */
  starts: number
  requests: number
  /** Refused or reset connections and non-2xx answers. */
  refused: number
  samples: string[]
  /** Resident memory of the tool's processes, idle after a save, MB. */
  rssMb: number
}

export interface Plan {
  saves: number
  /** Between the tool serving and the first save, and between saves: time to settle. */
  pauseMs: number
}

const marker = (i: number) => `rev-${String(i).padStart(3, '0')}`

export async function measure(app: BenchApp, tool: Tool, plan: Plan): Promise<Row> {
  const row: Row = {
    app: app.name,
    tool: tool.name,
    times: [],
    missed: 0,
    starts: 0,
    requests: 0,
    refused: 0,
    samples: [],
    rssMb: 0,
  }
  let perStart = plan.saves
  let save = 0
  while (save < plan.saves) {
    prepare(app, marker(save))
    const port = await freePort()
    const running = run(tool, port, app.dir)
    row.starts++
    try {
      if (!(await waitForMarker(port, marker(save), 30_000)))
        throw new Error(`${tool.name} never served ${app.name}:\n${running.output()}`)
      await sleep(plan.pauseMs)
      const loop = startLoop(port)
      await sleep(50)
      for (let n = 0; n < perStart && save < plan.saves; n++) {
        const expected = marker(++save)
        const temp = `${app.edited}.tmp~`
        writeFileSync(temp, app.source(expected))
        const seen = new Promise<number>((resolve) => {
          loop.onAnswer = (body, at) => body.includes(expected) && resolve(at)
        })
        const saved = performance.now()
        renameSync(temp, app.edited)
        const at = await Promise.race([seen, sleep(MISSED_MS, -1)])
        loop.onAnswer = undefined
        if (at < 0) {
          row.missed++
          perStart = 1
          break
        }
        row.times.push(at - saved)
        await sleep(plan.pauseMs)
      }
      if (row.rssMb === 0) row.rssMb = groupRss(running.child.pid as number)
      await loop.stop()
      row.requests += loop.stats.requests
      row.refused += loop.stats.refused
      row.samples.push(...loop.stats.samples.slice(0, 5 - row.samples.length))
    } finally {
      await running.stop()
    }
  }
  return row
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

/** Resident memory of every process in the group, in MB (ps: Linux and macOS). */
function groupRss(pgid: number): number {
  const lines = execFileSync('ps', ['-A', '-o', 'pgid=,rss='], { encoding: 'utf8' }).split('\n')
  let kb = 0
  for (const line of lines) {
    const [group, rss] = line.trim().split(/\s+/).map(Number)
    if (group === pgid) kb += rss ?? 0
  }
  return kb / 1024
}

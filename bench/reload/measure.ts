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
import type { BenchApp } from './apps.ts'
import { startLoop, waitForMarker } from './loop.ts'
import { idleLevel, settle } from './settle.ts'
import { run, type Tool } from './tools.ts'

const MISSED_MS = 5000
// After the new code answers, before the tool's quiet is looked for.
const MIN_PAUSE_MS = 200

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
  /** Resident memory of the tool's processes, settled after a save, MB. */
  rssMb: number
}

const marker = (i: number) => `rev-${String(i).padStart(3, '0')}`

export async function measure(app: BenchApp, tool: Tool, saves: number): Promise<Row> {
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
  app.reset(marker(0))
  let perStart = saves
  let save = 0
  let idle: number | undefined
  while (save < saves) {
    const port = await freePort()
    const running = run(tool, port, app.dir)
    const pgid = running.child.pid as number
    row.starts++
    try {
      if (!(await waitForMarker(port, marker(save), 30_000)))
        throw new Error(`${tool.name} never served ${app.name}:\n${running.output()}`)
      const loop = startLoop(port)
      if (idle === undefined) idle = await idleLevel(pgid)
      await settle(pgid, idle, MIN_PAUSE_MS)
      for (let n = 0; n < perStart && save < saves; n++) {
        const expected = marker(++save)
        const { file, text } = app.save(save, expected)
        writeFileSync(`${file}.tmp~`, text)
        const seen = new Promise<number>((resolve) => {
          loop.onAnswer = (body, at) => body.includes(expected) && resolve(at)
        })
        const saved = performance.now()
        renameSync(`${file}.tmp~`, file)
        const at = await Promise.race([seen, sleep(MISSED_MS, -1)])
        loop.onAnswer = undefined
        if (at < 0) {
          row.missed++
          perStart = 1
          break
        }
        row.times.push(at - saved)
        // Settled, as when the next save comes; the session's last save needs no pause.
        if (n + 1 < perStart || row.rssMb === 0) await settle(pgid, idle, MIN_PAUSE_MS)
        if (row.rssMb === 0) row.rssMb = groupRss(pgid)
      }
      await loop.stop()
      row.requests += loop.stats.requests
      row.refused += loop.stats.refused
      row.samples.push(...loop.stats.samples.slice(0, Math.max(0, 5 - row.samples.length)))
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

// The pause between saves. A person saves again seconds later, by when every tool has
// finished what it does after a reload (switchyard dev starts its next spare worker then).
// Waiting seconds each time would make the bench long, so it waits until the tool's
// processes are quiet instead: CPU time of the process group, read from /proc, back to
// what it spends serving the request loop. Without /proc (macOS), a fixed 2 s.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

const WINDOW_MS = 100
const QUIET_WINDOWS = 3
const MAX_MS = 5000
const HAS_PROC = existsSync('/proc/self/stat')

/** CPU ticks used so far by each process in the group. */
function ticks(pgid: number): Map<number, number> {
  const used = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // After "pid (command) ": state, ppid, pgrp, … utime (12th), stime (13th).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid)
        used.set(Number(entry), Number(fields[11]) + Number(fields[12]))
    } catch {}
  }
  return used
}

/** Ticks the group used in one window (processes that came or went count from then). */
async function windowTicks(pgid: number): Promise<number> {
  const before = ticks(pgid)
  await sleep(WINDOW_MS)
  let used = 0
  for (const [pid, now] of ticks(pgid)) used += now - (before.get(pid) ?? now)
  return used
}

/**
 * The group's ticks per window while it only serves the loop: a low quantile over 3 s, so
 * that what it still does after starting (a spare worker) does not count.
 */
export async function idleLevel(pgid: number): Promise<number> {
  if (!HAS_PROC) return 0
  const samples: number[] = []
  for (let i = 0; i < 30; i++) samples.push(await windowTicks(pgid))
  return samples.sort((a, b) => a - b)[7] as number
}

/** Waits at least `minMs`, then until the group is back near `idle` for a few windows. */
export async function settle(pgid: number, idle: number, minMs: number): Promise<void> {
  await sleep(minMs)
  if (!HAS_PROC) return void (await sleep(2000 - minMs))
  const deadline = Date.now() + MAX_MS
  let quiet = 0
  while (quiet < QUIET_WINDOWS && Date.now() < deadline) {
    quiet = (await windowTicks(pgid)) <= idle + 3 ? quiet + 1 : 0
  }
}

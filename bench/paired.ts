// Paired rounds for the targets. Each pair is one server process holding both the target and
// its baseline behind one listener, and serving one or the other in quarter-second segments
// (A B B A B A A B …) under one continuous load; each side's CPU time and requests are
// summed over its segments. On this kind of shared machine the cost of a request drifts by
// 10 % within seconds and differs by as much between processes of the same code, which two
// back-to-back rounds cannot separate from a 5 % difference; segments this short see the
// same drift on both sides. The price: both sides share one heap and one JIT, so the
// baseline runs among the target's objects and code; what they share (inline caches that
// see both, collecting both heaps) pulls a ratio toward 1. Each pair has a new process; a
// target's ratio is the median of its pairs. The A/A pair (the bare server against itself)
// shows the noise left. A target whose baseline cannot answer its requests (Express + vhost
// at 1,000 hosts with more keys, one tenant against many) is not paired: its ratio is the
// best rounds'.
import { type Config, configs, targets } from './configs.ts'
import { check, load, type RunningServer, startServer, type Tool, warmKeys } from './load.ts'

export interface PairedRatios {
  name: string
  baseline: string
  /** This configuration's req/s over the baseline's, one per pair. */
  rps: number[]
  /** The baseline's CPU per request over this one's (above 1: cheaper), one per pair. */
  cpu: number[]
}

export interface PairSettings {
  pairs: number
  /** Seconds of alternation measured per pair (after two of warm-up). */
  duration: number
  connections: number
  tool: Tool
  /** The command prefix that pins a server to its core. */
  pin: string[]
}

const SEGMENT_MS = 250
const WARMUP_SEGMENTS = 8

/** The A/A pair first, then every pairable target whose two configurations were asked for. */
export function pairsToMeasure(wanted: Set<string>): Array<{ name: string; baseline: string }> {
  const list = [{ name: 'node-http-aa', baseline: 'node-http' }, ...targets]
  const seen = new Set<string>()
  return list.filter(({ name, baseline }) => {
    const key = `${name} ${baseline}`
    if (seen.has(key) || !wanted.has(name) || !wanted.has(baseline)) return false
    if (!answersAlike(configs.get(name) as Config, configs.get(baseline) as Config)) return false
    seen.add(key)
    return true
  })
}

/** Whether the baseline answers every request of the target: the bare servers answer any. */
function answersAlike(target: Config, baseline: Config): boolean {
  if (baseline.name.startsWith('node-http') || baseline.name.startsWith('hono-server')) return true
  const mine = (c: Config) => Array.from({ length: c.keys }, (_, i) => JSON.stringify(c.request(i)))
  if (target.keys > baseline.keys) return false
  const theirs = new Set(mine(baseline))
  return mine(target).every((r) => theirs.has(r))
}

export async function pairedRounds(
  names: string[],
  settings: PairSettings,
  log: (line: string) => void,
): Promise<PairedRatios[]> {
  const out: PairedRatios[] = []
  const { pairs, duration, connections, tool, pin } = settings
  const segments = Math.max(8, Math.round((duration * 1000) / SEGMENT_MS / 8) * 8)
  for (const { name, baseline } of pairsToMeasure(new Set(names))) {
    // Side 0 is the baseline, side 1 the target; both get the target's requests.
    const pair: Config = { ...(configs.get(name) as Config), name: `${baseline}+${name}` }
    const measured = { pairs, segments, connections, tool }
    out.push(await measurePairs(name, baseline, measured, () => startServer(pair, pin), log))
  }
  return out
}

/**
 * One target's pairs: each a new process from `start`, serving the baseline (side 0) and
 * the target (side 1) in turns, after its keys are warm and eight segments of warm-up.
 */
export async function measurePairs(
  name: string,
  baseline: string,
  settings: { pairs: number; segments: number; connections: number; tool: Tool },
  start: () => Promise<RunningServer>,
  log: (line: string) => void,
): Promise<PairedRatios> {
  const ratios: PairedRatios = { name, baseline, rps: [], cpu: [] }
  // How much of its time the server was busy, per pair (the lower of its two sides).
  const leastBusy: number[] = []
  const { connections, tool } = settings
  for (let i = 0; i < settings.pairs; i++) {
    const server = await start()
    try {
      await server.ask({ use: 1 }, 'using')
      await check(server)
      await warmKeys(server)
      await alternate(server, WARMUP_SEGMENTS, connections, tool)
      // Pairs start on alternate sides: A B B A B A A B … then B A A B A B B A …
      const parts = await alternate(server, settings.segments, connections, tool, i % 2)
      const side = (k: number) => {
        const own = parts.filter((p) => p.side === k)
        const requests = own.reduce((sum, p) => sum + p.requests, 0)
        const cpu = own.reduce((sum, p) => sum + p.cpu, 0)
        const ms = own.reduce((sum, p) => sum + p.ms, 0)
        return {
          rps: (requests / ms) * 1000,
          cpu: cpu / Math.max(1, requests),
          busy: cpu / 1000 / ms,
        }
      }
      const b = side(0)
      const t = side(1)
      ratios.rps.push(t.rps / b.rps)
      ratios.cpu.push(b.cpu / t.cpu)
      // Below 90 % busy the load generator, not the server, may have set the pace.
      const busy = Math.min(b.busy, t.busy)
      const percent = Math.round(busy * 100)
      leastBusy.push(percent)
      if (busy < 0.9) log(`  pair ${i + 1} of ${name}: server busy only ${percent} %`)
    } finally {
      server.stop()
    }
  }
  log(
    `paired ${name} / ${baseline}: req/s ${ratios.rps.map((r) => r.toFixed(2)).join(' ')}, CPU ${ratios.cpu.map((r) => r.toFixed(2)).join(' ')}, server busy ${leastBusy.join(' ')} %`,
  )
  return ratios
}

/** One segment of a pair, as the server process measured it. */
export interface Segment {
  side: number
  /** µs of CPU time */
  cpu: number
  requests: number
  ms: number
}

/**
 * `segments` quarter seconds under continuous load, the sides in Thue–Morse order (A B B A
 * B A A B …: each side gets as many early as late segments, and the first and the last
 * segment go to different sides).
 */
export async function alternate(
  server: RunningServer,
  segments: number,
  connections: number,
  tool: Tool,
  first = 0,
): Promise<Segment[]> {
  const order = Array.from({ length: segments }, (_, k) => (popcount(k) & 1) ^ first)
  const seconds = Math.ceil((segments * SEGMENT_MS) / 1000 + 1)
  // Both awaited in any case: a load that fails while segments run is reported, not lost.
  const [asked, loaded] = await Promise.allSettled([
    server.ask({ alternate: { order, ms: SEGMENT_MS } }, 'alternated'),
    load(server, seconds, connections, tool),
  ])
  if (asked.status === 'rejected') throw asked.reason
  if (loaded.status === 'rejected') throw loaded.reason
  if (loaded.value.failures > 0) {
    throw new Error(`${server.config.name}: ${loaded.value.failures} requests failed`)
  }
  return asked.value as Segment[]
}

function popcount(n: number): number {
  let bits = 0
  for (let k = n; k > 0; k >>= 1) bits += k & 1
  return bits
}

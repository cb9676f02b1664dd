// Paired rounds for the targets: each target and its baseline loaded back to back, first one
// then the other in alternating order, each pair in two server processes of its own started
// for it. A target's ratio is the median of its pairs' ratios. On a shared machine two
// rounds seconds apart see much the same interference, where the round-robin rounds of one
// configuration are minutes apart; and one server process can run 20 % faster or slower
// than another of the same code for its whole life (the same configuration measured 0.78
// and 1.15 × another in two runs), so every pair has new ones. The A/A pair (the bare server
// against itself) shows the noise left.
import { type Config, configs, targets } from './configs.ts'
import { type Round, type RunningServer, round, startServer, type Tool } from './load.ts'

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
  duration: number
  warmup: number
  connections: number
  tool: Tool
  /** The command prefix that pins a server to its core. */
  pin: string[]
}

/** The A/A pair first, then every target whose two servers are running. */
export function pairsToMeasure(running: Set<string>): Array<{ name: string; baseline: string }> {
  const list = [{ name: 'node-http-aa', baseline: 'node-http' }, ...targets]
  const seen = new Set<string>()
  return list.filter(({ name, baseline }) => {
    const key = `${name} ${baseline}`
    if (seen.has(key) || !running.has(name) || !running.has(baseline)) return false
    seen.add(key)
    return true
  })
}

export async function pairedRounds(
  names: string[],
  settings: PairSettings,
  log: (line: string) => void,
): Promise<PairedRatios[]> {
  const out: PairedRatios[] = []
  const { pairs, duration, warmup, connections, tool, pin } = settings
  const measure = (server: RunningServer) => round(server, warmup, duration, connections, tool)
  const start = (name: string) => startServer(configs.get(name) as Config, pin)
  for (const { name, baseline } of pairsToMeasure(new Set(names))) {
    const ratios: PairedRatios = { name, baseline, rps: [], cpu: [] }
    for (let i = 0; i < pairs; i++) {
      const base = await start(baseline)
      const target = await start(name).catch((error: unknown) => {
        base.stop()
        throw error
      })
      let t: Round
      let b: Round
      try {
        if (i % 2 === 0) {
          b = await measure(base)
          t = await measure(target)
        } else {
          t = await measure(target)
          b = await measure(base)
        }
      } finally {
        base.stop()
        target.stop()
      }
      ratios.rps.push(t.rps / b.rps)
      ratios.cpu.push(b.cpuPerRequest / t.cpuPerRequest)
    }
    log(
      `paired ${name} / ${baseline}: req/s ${ratios.rps.map((r) => r.toFixed(2)).join(' ')}, CPU ${ratios.cpu.map((r) => r.toFixed(2)).join(' ')}`,
    )
    out.push(ratios)
  }
  return out
}

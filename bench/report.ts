// Turns rounds into summaries, ratios and target checks; prints and writes them.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { drawChart } from './chart.ts'
import { type Config, configs, type Group, targets } from './configs.ts'
import type { Round } from './load.ts'
import type { PairedRatios } from './paired.ts'
import type { UpstreamReport } from './upstream.ts'
import { printUpstream, upstreamMarkdown } from './upstream-report.ts'

export interface Ratio {
  baseline: string
  /** Median over rounds of this config's req/s over the baseline's, round by round. */
  rps: number
  /** The same for CPU per request, inverted: above 1 means cheaper than the baseline. */
  cpu: number
}

export interface Summary {
  name: string
  label: string
  group: Group
  note?: string
  rounds: Round[]
  rps: { median: number; min: number; max: number }
  p99: number
  cpuPerRequest: number
  busy: number
  failures: number
  ratios: Ratio[]
}

export interface Report {
  date: string
  machine: string
  settings: Record<string, unknown>
  results: Summary[]
  /** Paired rounds (bench/paired.ts), when the run measured them: the A/A pair first. */
  paired?: PairedRatios[]
  targets: Target[]
  /** The upstream rows (bench/upstream.ts), when the run measured them. */
  upstream?: UpstreamReport
}

export interface Target {
  name: string
  baseline: string
  factor: number
  rps: number
  cpu: number
  /** The lowest and highest pair ratio, when the ratio is a median of paired rounds. */
  range?: { rps: [number, number]; cpu: [number, number] }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

export function machine(pinned: string, neighbour?: string): string {
  const model = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU'
  const load = loadavg()[0]?.toFixed(2)
  const also = neighbour === undefined ? '' : `, ${neighbour}`
  return `${cpus().length} cores, ${model}, Node ${process.version}, ${pinned}, load average ${load} at start${also}`
}

const best = (rounds: Round[], key: 'rps') => Math.max(...rounds.map((r) => r[key]))
const cheapest = (rounds: Round[]) => Math.min(...rounds.map((r) => r.cpuPerRequest))

export function summarize(rounds: Map<string, Round[]>): Summary[] {
  const out: Summary[] = []
  for (const [name, list] of rounds) {
    const config = configs.get(name) as Config
    const rps = list.map((r) => r.rps)
    const ratios: Ratio[] = []
    for (const baseline of config.vs) {
      const base = rounds.get(baseline)
      if (base === undefined) continue
      // Best of the rounds on each side: on a shared machine interference only ever slows
      // a round down, so the best round is the one closest to the code's own cost.
      ratios.push({
        baseline,
        rps: best(list, 'rps') / best(base, 'rps'),
        cpu: cheapest(base) / cheapest(list),
      })
    }
    out.push({
      name,
      label: config.label,
      group: config.group,
      ...(config.note === undefined ? {} : { note: config.note }),
      rounds: list,
      rps: { median: median(rps), min: Math.min(...rps), max: Math.max(...rps) },
      p99: median(list.map((r) => r.p99)),
      cpuPerRequest: cheapest(list),
      busy: median(list.map((r) => r.busy)),
      failures: list.reduce((sum, r) => sum + r.failures, 0),
      ratios,
    })
  }
  return out
}

/** Each target's ratio: the median of its paired rounds if there are any, else best rounds. */
export function checkTargets(results: Summary[], paired: PairedRatios[] = []): Target[] {
  const byName = new Map(results.map((s) => [s.name, s]))
  return targets.flatMap((t): Target[] => {
    const pairs = paired.find((p) => p.name === t.name && p.baseline === t.baseline)
    if (pairs !== undefined) {
      return [{ ...t, rps: median(pairs.rps), cpu: median(pairs.cpu), range: rangeOf(pairs) }]
    }
    const ratio = byName.get(t.name)?.ratios.find((r) => r.baseline === t.baseline)
    return ratio === undefined ? [] : [{ ...t, rps: ratio.rps, cpu: ratio.cpu }]
  })
}

const span = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)]
const rangeOf = (p: PairedRatios) => ({ rps: span(p.rps), cpu: span(p.cpu) })
/** `median (lowest–highest)` of pair ratios. */
const spread = (xs: number[]) => `${x(median(xs))} (${span(xs).map(x).join('–')})`

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const x = (n: number) => (n >= 10 ? n.toFixed(0) : n.toFixed(2))
const labelOf = (name: string) => configs.get(name)?.label ?? name

function rows(results: Summary[], all: boolean): string[][] {
  return results.map((s) => {
    const ratios = all ? s.ratios : s.ratios.slice(0, 1)
    return [
      s.label + (s.failures > 0 ? ` (${s.failures} failed)` : ''),
      `${int(s.rps.median)} (${int(s.rps.min)}–${int(s.rps.max)})`,
      s.p99.toFixed(1),
      `${s.cpuPerRequest.toFixed(1)} (${Math.round(s.busy * 100)}%)`,
      ratios.map((r) => `${x(r.rps)} · ${x(r.cpu)} × ${labelOf(r.baseline)}`).join('<br>'),
    ]
  })
}

const HEAD = [
  'configuration',
  'req/s median (min–max)',
  'p99 ms',
  'CPU µs/req, best (busy)',
  'ratio: req/s · CPU',
]

function targetLines(report: Report): string[] {
  return report.targets.map((t) => {
    const pass = (v: number) => (v >= t.factor ? 'ok' : 'MISSED')
    // A third decimal where two would round a miss up to the target (0.948 to 0.95).
    const near = (v: number) => (Number(x(v)) >= t.factor && v < t.factor ? v.toFixed(3) : x(v))
    const of = (v: number, range?: [number, number]) =>
      range === undefined ? near(v) : `${near(v)} (${x(range[0])}–${x(range[1])})`
    return `${labelOf(t.name)} ≥ ${t.factor} × ${labelOf(t.baseline)}: req/s ${of(t.rps, t.range?.rps)} ${pass(t.rps)}, CPU ${of(t.cpu, t.range?.cpu)} ${pass(t.cpu)}`
  })
}

/** How the target ratios were measured, and the A/A pair's noise. */
function targetsHeading(report: Report): string {
  const paired = report.paired ?? []
  if (paired.length === 0) return 'Targets (DESIGN §6), best round against best round:'
  const aa = paired.find((p) => p.name === 'node-http-aa')
  const noise =
    aa === undefined
      ? ''
      : `; the A/A pair (bare node:http against itself): req/s ${spread(aa.rps)}, CPU ${spread(aa.cpu)}`
  const n = paired[0]?.rps.length ?? 0
  return `Targets (DESIGN §6), each the median of ${n} pairs with its baseline in one process (lowest–highest pair)${noise}:`
}

export function printTable(report: Report): void {
  console.log(`\n${report.machine}`)
  if (report.results.length > 0) printMain(report)
  if (report.upstream !== undefined) printUpstream(report.upstream)
}

function printMain(report: Report): void {
  const table = [HEAD, ...rows(report.results, false)]
  const widths = HEAD.map((_, i) => Math.max(...table.map((row) => (row[i] as string).length)))
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ')
  console.log(`\n${table.map(line).join('\n')}\n`)
  console.log(`${targetsHeading(report)}\n  ${targetLines(report).join('\n  ')}`)
}

export function markdown(report: Report): string {
  const upstream = report.upstream === undefined ? [] : upstreamMarkdown(report.upstream)
  if (report.results.length === 0) {
    const from = `load over loopback from ${report.settings.loader}, ${report.settings.connections} connections`
    return [
      `Measured ${report.date.slice(0, 10)} on ${report.machine}; ${from}.`,
      '',
      ...upstream,
    ].join('\n')
  }
  const table = [HEAD, HEAD.map(() => '---'), ...rows(report.results, true)]
  const notes = report.results
    .filter((s) => s.note !== undefined)
    .map((s) => `- ${s.label}: ${s.note}.`)
  return [
    `Measured ${report.date.slice(0, 10)} on ${report.machine}; load over loopback from ${report.settings.summary}.`,
    'Figures are indicative: they vary from machine to machine and from run to run; the ratios, measured in the same run, are the figures to compare.',
    'CPU µs/req is the cheapest round; ratios compare the best round of each side (interference on a shared machine only ever slows a round down); the CPU ratio is baseline CPU per request over this CPU per request, so above 1 is cheaper.',
    'CPU µs/req is the server process’s user + system time per request served (loopback TCP included); busy is that time over wall time: well below 100%, the load generator or other processes, not the server, set the req/s.',
    '',
    ...table.map((row) => `| ${row.join(' | ')} |`),
    '',
    ...notes,
    '',
    targetsHeading(report),
    '',
    ...targetLines(report).map((line) => `- ${line}`),
    '',
    ...upstream,
  ].join('\n')
}

export function write(report: Report, dir = 'bench/results'): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}/latest.json`, `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(`${dir}/latest.md`, markdown(report))
  const svg = report.results.length > 0
  if (svg) writeFileSync(`${dir}/latest.svg`, drawChart(report))
  console.log(`\nwrote ${dir}/latest.json, latest.md${svg ? ', latest.svg' : ''}`)
}

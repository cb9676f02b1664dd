// The upstream rows as printed and as written to latest.md: their table (the proxies' CPU
// per request, ratios on upstream()'s row), the targets and the WebSocket echo line.
import type { Target } from './report.ts'
import { type UpstreamReport, type UpstreamRow, upstreamLabel } from './upstream.ts'

const HEAD = [
  'upstream rows',
  'req/s median (min–max)',
  'p99 ms',
  'CPU µs/req, best (busy)',
  'ratio: req/s · CPU',
]
const NOTES = [
  'every row forwards GET /backend/x as GET /x to the same upstream server over kept-alive connections; the load keeps its 50 connections alive',
  'CPU µs/req is the proxying process’s (nginx: its worker’s, from /proc, in 10 ms ticks); the ratios on upstream()’s row are its req/s over the other’s and the other’s CPU per request over its own (above 1: cheaper)',
  'upstream() sets X-Forwarded-For/-Proto/-Host/-Prefix and drops hop-by-hop fields both ways; nginx is configured to set the same four; @fastify/http-proxy and http-proxy-middleware run with their defaults, which set none',
  'on two cores the upstream server shares the load generator’s core; nginx, cheaper than that core’s share per request, is not the bottleneck of its row (busy well under 100%), so its req/s is no limit of its own',
  'WebSocket echo: the client (the orchestrator) and the ws server share one core; direct, the other core is idle; through a proxy, the proxy has it to itself and relays every frame with one read and one write each way, so the proxy must cost less per message than client and server together for the ratio to approach 1',
]

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const x = (n: number) => (n >= 10 ? n.toFixed(0) : n.toFixed(2))
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
const bestRps = (r: UpstreamRow) => Math.max(...r.rounds.map((o) => o.rps))
const cheapest = (r: UpstreamRow) => Math.min(...r.rounds.map((o) => o.cpuPerRequest))

function rows(report: UpstreamReport): string[][] {
  const mine = report.rows.find((r) => r.name === 'mount-upstream')
  return report.rows.map((r) => {
    const rps = r.rounds.map((o) => o.rps)
    const failures = r.rounds.reduce((sum, o) => sum + o.failures, 0)
    const ratios =
      r !== mine || mine === undefined
        ? ''
        : report.rows
            .filter((o) => o !== mine && o.name !== 'origin')
            .map(
              (o) =>
                `${x(bestRps(mine) / bestRps(o))} · ${x(cheapest(o) / cheapest(mine))} × ${o.label}`,
            )
            .join('<br>')
    return [
      r.label + (failures > 0 ? ` (${failures} failed)` : ''),
      `${int(median(rps))} (${int(Math.min(...rps))}–${int(Math.max(...rps))})`,
      median(r.rounds.map((o) => o.p99)).toFixed(1),
      `${cheapest(r).toFixed(1)} (${Math.round(median(r.rounds.map((o) => o.busy)) * 100)}%)`,
      ratios,
    ]
  })
}

function targetLine(t: Target): string {
  const pass = (v: number) => (v >= t.factor ? 'ok' : 'MISSED')
  // A third decimal where two would round a miss up to the target (0.996 to 1.00).
  const near = (v: number) => (Number(x(v)) >= t.factor && v < t.factor ? v.toFixed(3) : x(v))
  const of = (v: number, range?: [number, number]) =>
    range === undefined ? near(v) : `${near(v)} (${x(range[0])}–${x(range[1])})`
  return `${upstreamLabel(t.name)} ≥ ${t.factor} × ${upstreamLabel(t.baseline)}: CPU ${of(t.cpu, t.range?.cpu)} ${pass(t.cpu)}, req/s ${of(t.rps, t.range?.rps)} ${pass(t.rps)}`
}

function heading(report: UpstreamReport): string {
  const aa = report.paired.find((p) => p.name === 'mount-upstream-aa')
  if (aa === undefined) return 'Upstream targets (DESIGN §6), best round against best round:'
  const spread = (xs: number[]) => `${x(median(xs))} (${x(Math.min(...xs))}–${x(Math.max(...xs))})`
  return `Upstream targets (DESIGN §6), each the median of ${aa.rps.length} pairs with its baseline in one process (lowest–highest pair); the A/A pair (two upstream() apps against each other): req/s ${spread(aa.rps)}, CPU ${spread(aa.cpu)}:`
}

/** The WebSocket target, then nginx's figure beside it. */
function wsLines(report: UpstreamReport): string[] {
  const { ws } = report
  const of = (name: string) => ws.sides.find((s) => s.name === name)
  const direct = of('direct')?.rate ?? Number.NaN
  const cpu = (n?: number) => (n === undefined ? '' : `, ${n.toFixed(1)} µs of its CPU per message`)
  const labels: Record<string, string> = {
    'mount-upstream': 'mount → upstream (toUpgradeListener)',
    nginx: 'nginx proxy_pass',
  }
  const line = (name: string, target: boolean) => {
    const side = of(name)
    if (side === undefined) return []
    const ratio = side.rate / direct
    const verdict = target ? ` ${ratio >= ws.factor ? 'ok' : 'MISSED'}` : ' (reference)'
    return [
      `WebSocket echo through ${labels[name]}${target ? ` ≥ ${ws.factor}` : ''} × direct: ${x(ratio)}${verdict} (${int(side.rate)} against ${int(direct)} messages/s${cpu(side.cpuPerMessage)})`,
    ]
  }
  return [
    ...line('mount-upstream', true),
    ...line('nginx', false),
    `  (${ws.sockets} sockets per side, each sending its next 32-byte message on each echo; ${ws.seconds.toFixed(1)} s per side in alternating turns)`,
  ]
}

export function printUpstream(report: UpstreamReport): void {
  const all = rows(report)
  const table = [HEAD.slice(0, 4), ...all.map((r) => r.slice(0, 4))]
  const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] as string).length)))
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths?.[i] ?? 0)).join('  ')
  const ratios = all.flatMap((r) =>
    r[4] === ''
      ? []
      : [`${r[0]}, req/s · CPU:`, ...(r[4] as string).split('<br>').map((c) => `  ${c}`)],
  )
  console.log(`\n${report.setup}\n\n${table.map(line).join('\n')}\n\n${ratios.join('\n')}`)
  console.log(
    `\n${heading(report)}\n  ${report.targets.map(targetLine).join('\n  ')}\n  ${wsLines(report).join('\n  ')}`,
  )
}

export function upstreamMarkdown(report: UpstreamReport): string[] {
  return [
    `${report.setup}.`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `| ${HEAD.map(() => '---').join(' | ')} |`,
    ...rows(report).map((r) => `| ${r.join(' | ')} |`),
    '',
    ...NOTES.map((n) => `- ${n}.`),
    '',
    heading(report),
    '',
    ...report.targets.map((t) => `- ${targetLine(t)}`),
    ...wsLines(report).map((l) => (l.startsWith('  ') ? `  ${l.trim()}` : `- ${l}`)),
    '',
  ]
}

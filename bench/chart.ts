// A dependency-free SVG: per configuration, req/s (median bar, min–max whisker) and server
// CPU time per request, coloured by group. Run directly to redraw from a results file:
//   node --import tsx bench/chart.ts [bench/results/latest.json]
import { readFileSync, writeFileSync } from 'node:fs'
import type { Report, Summary } from './report.ts'

const COLORS = { baseline: '#8a8f98', switchyard: '#2f6fdf', peer: '#e0892b' } as const
const ROW = 24
const LABEL = 330
const PANEL = 290
const GAP = 40
const TOP = 72

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const text = (x: number, y: number, s: string, attrs = '') =>
  `<text x="${x}" y="${y}"${attrs ? ` ${attrs}` : ''}>${esc(s)}</text>`

/** A round figure at or above `n`, so the scale reads well. */
function niceMax(n: number): number {
  const step = 10 ** Math.floor(Math.log10(n || 1))
  return Math.ceil(n / step) * step
}

function panel(
  results: Summary[],
  x0: number,
  title: string,
  value: (s: Summary) => number,
  range: (s: Summary) => [number, number] | undefined,
  format: (n: number) => string,
): string[] {
  const max = niceMax(Math.max(...results.map((s) => range(s)?.[1] ?? value(s))))
  const scale = (n: number) => x0 + (n / max) * PANEL
  const bottom = TOP + results.length * ROW
  const out = [text(x0, TOP - 12, title, 'font-weight="bold"')]
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const tx = scale(tick * max)
    out.push(`<line x1="${tx}" y1="${TOP}" x2="${tx}" y2="${bottom}" stroke="#e3e5e8"/>`)
    out.push(
      text(
        tx,
        bottom + 14,
        tick === 0 ? '0' : format(tick * max),
        'text-anchor="middle" fill="#666"',
      ),
    )
  }
  results.forEach((s, i) => {
    const y = TOP + i * ROW
    const w = scale(value(s)) - x0
    out.push(
      `<rect x="${x0}" y="${y + 5}" width="${w.toFixed(1)}" height="${ROW - 10}" fill="${COLORS[s.group]}"/>`,
    )
    const r = range(s)
    if (r !== undefined) {
      const [a, b] = r.map(scale) as [number, number]
      const mid = y + ROW / 2
      out.push(
        `<path d="M${a} ${mid}H${b}M${a} ${mid - 4}V${mid + 4}M${b} ${mid - 4}V${mid + 4}" stroke="#222"/>`,
      )
    }
    out.push(text(scale(r?.[1] ?? value(s)) + 4, y + ROW / 2 + 4, format(value(s)), 'fill="#333"'))
  })
  return out
}

export function drawChart(report: Report): string {
  const results = report.results
  const height = TOP + results.length * ROW + 56
  const width = LABEL + 2 * (PANEL + GAP) + 40
  const k = (n: number) =>
    n >= 1000 ? `${(n / 1000).toFixed(n >= 10_000 ? 0 : 1)}k` : n.toFixed(0)
  const body = [
    text(
      10,
      20,
      'switchyard benchmark: same tiny app, one process each, loopback load',
      'font-weight="bold" font-size="14"',
    ),
    text(10, 38, `${report.machine}; ${String(report.settings.loader)}`, 'fill="#666"'),
    ...results.map((s, i) =>
      text(LABEL - 8, TOP + i * ROW + ROW / 2 + 4, s.label, 'text-anchor="end"'),
    ),
    ...panel(
      results,
      LABEL,
      'requests/s (median, min–max), higher is better',
      (s) => s.rps.median,
      (s) => [s.rps.min, s.rps.max],
      k,
    ),
    ...panel(
      results,
      LABEL + PANEL + GAP + 20,
      'server CPU µs per request, lower is better',
      (s) => s.cpuPerRequest,
      () => undefined,
      (n) => n.toFixed(n < 10 ? 1 : 0),
    ),
  ]
  const legend = Object.entries(COLORS).map(([group, color], i) => {
    const lx = 10 + i * 120
    return `<rect x="${lx}" y="${height - 22}" width="12" height="12" fill="${color}"/>${text(lx + 18, height - 12, group)}`
  })
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-labelledby="title">`,
    '<title id="title">switchyard benchmark: requests per second per configuration</title>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...body,
    ...legend,
    '</svg>',
    '',
  ].join('\n')
}

if (process.argv[1] === import.meta.filename) {
  const file = process.argv[2] ?? 'bench/results/latest.json'
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report
  writeFileSync(file.replace(/\.json$/, '.svg'), drawChart(report))
}

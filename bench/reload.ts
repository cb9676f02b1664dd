// `npm run bench:reload [-- --saves 20 --apps demo,many --tools dev,watch,nodemon,tsx]`:
// the dev loop, from an editor's atomic save to the first answer from the new code, while
// two clients keep asking (keep-alive, and a new connection per request). For the demo and
// a 200-module app, under `switchyard dev`, `node --watch`, nodemon and `tsx watch`: median
// and p95 of that time, the requests that failed, the memory the tool's processes hold.
import { rmSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { type BenchApp, demoApp, manyModulesApp } from './reload/apps.ts'
import { measure, type Row } from './reload/measure.ts'
import { ensureNodemon, TOOLS } from './reload/tools.ts'

const { values } = parseArgs({
  options: {
    saves: { type: 'string', default: '20' },
    apps: { type: 'string', default: 'demo,many' },
    tools: { type: 'string', default: TOOLS.map((tool) => tool.key).join(',') },
  },
})
const saves = Number(values.saves)
const tools = TOOLS.filter((tool) => values.tools.split(',').includes(tool.key))
const apps: BenchApp[] = []
if (values.apps.includes('demo')) apps.push(demoApp())
if (values.apps.includes('many')) apps.push(manyModulesApp())

const sorted = (row: Row) => [...row.times].sort((a, b) => a - b)
const quantile = (values: number[], q: number) =>
  values.length === 0 ? Number.NaN : (values[Math.ceil(q * values.length) - 1] as number)
const ms = (n: number) => (Number.isNaN(n) ? '—' : `${n.toFixed(0)} ms`)

if (tools.some((tool) => tool.key === 'nodemon')) ensureNodemon()
const rows: Row[] = []
const started = Date.now()
try {
  for (const app of apps) {
    for (const tool of tools) {
      process.stdout.write(`${app.name} · ${tool.name} … `)
      const row = await measure(app, tool, saves)
      rows.push(row)
      const failures = row.samples.length > 0 ? ` (${row.samples.join(', ')})` : ''
      const missed = row.missed > 0 ? `, ${row.missed} saves missed` : ''
      console.log(
        `median ${ms(quantile(sorted(row), 0.5))}, ${row.refused} refused${failures}${missed}`,
      )
    }
  }
} finally {
  for (const app of apps) rmSync(app.dir, { recursive: true, force: true })
}

const seconds = ((Date.now() - started) / 1000).toFixed(0)
console.log(
  `\n${saves} atomic saves per app and tool under a request loop, each once the tool's processes are quiet again (${seconds} s)\n`,
)
console.log(
  '| app | tool | save → new code, median | p95 | × node --watch | refused / requests | RSS, idle |',
)
console.log('|---|---|---|---|---|---|---|')
for (const row of rows) {
  const median = quantile(sorted(row), 0.5)
  const base = rows.find((r) => r.app === row.app && r.tool === 'node --watch')
  const ratio = base === undefined ? '—' : (median / quantile(sorted(base), 0.5)).toFixed(2)
  const missed =
    row.missed > 0 ? ` (${row.missed} missed; started ${row.starts} times, see below)` : ''
  console.log(
    `| ${row.app} | ${row.tool} | ${ms(median)}${missed} | ${ms(quantile(sorted(row), 0.95))} | ${ratio} | ${row.refused} / ${row.requests} | ${row.rssMb.toFixed(0)} MB |`,
  )
}
if (rows.some((row) => row.missed > 0))
  console.log(
    '\nA tool that misses a save (nothing new within 5 s) is started anew before each later save; only the saves it served are timed.',
  )

// npm run bench:profile [-- --only mount-node,subdomains-100k] [-- --duration 10] [-- --neighbours 1]
// Profiles servers under the same load as `npm run bench` (after a warm-up) and prints the
// top self-time functions: all of them, then switchyard's own (src/).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { configs } from './configs.ts'
import { formatRows, selfTimes } from './cpuprofile.ts'
import { chooseTool, load, pinning, startServer, warmKeys } from './load.ts'
import { readNeighbours, startNeighbours } from './neighbour.ts'

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'mount-node,subdomains-100k,mount-fetch' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    tool: { type: 'string', default: 'auto' },
    top: { type: 'string', default: '15' },
    neighbours: { type: 'string' },
    out: { type: 'string' },
  },
})
const dir = mkdtempSync(join(tmpdir(), 'switchyard-profile-'))
const pin = pinning()
const { tool } = chooseTool(values.tool)
const top = Number(values.top)
const report: string[] = []
const neighbours = readNeighbours(values.neighbours, pin.server.length > 0)
if (neighbours.description !== undefined) {
  report.push(`Profiled beside ${neighbours.description}.`, '')
  console.log(report[0])
}
startNeighbours(neighbours.count)

for (const name of values.only.split(',')) {
  const config = configs.get(name.trim())
  if (config === undefined) throw new Error(`unknown configuration "${name}"`)
  const server = await startServer(config, pin.server)
  await warmKeys(server)
  try {
    await load(server, 2, Number(values.connections), tool)
    const file = join(dir, `${config.name}.cpuprofile`)
    await server.ask({ profile: 'start' }, 'profiled')
    const result = await load(server, Number(values.duration), Number(values.connections), tool)
    await server.ask({ profile: file }, 'profiled')
    const { rows, gc, switchyard, under } = selfTimes(file)
    const own = rows.filter((r) => r.where.startsWith('src/'))
    const ownTotal = own.reduce((sum, r) => sum + r.percent, 0)
    const rps = Math.round(result.requests / result.seconds)
    report.push(
      `## ${config.label} (${config.name}): ${rps} req/s while profiled; ${file}`,
      '',
      `Of the busy samples: GC ${gc.toFixed(1)}%; switchyard's own code (src/, self) ${ownTotal.toFixed(1)}%;`,
      `under switchyard frames (its code and the Node internals it calls, not the app) ${switchyard.toFixed(1)}%.`,
      '',
      'Top self time, everything:',
      '```',
      formatRows(rows, top),
      '```',
      'Top self time in src/:',
      '```',
      formatRows(own, top),
      '```',
      'Top self time under switchyard frames (src/ and the Node internals it calls):',
      '```',
      formatRows(under, top),
      '```',
      '',
    )
    console.log(report.slice(-18).join('\n'))
  } finally {
    server.stop()
  }
}
if (values.out !== undefined) writeFileSync(values.out, report.join('\n'))

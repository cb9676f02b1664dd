// npm run bench [-- --quick] [-- --only node-http,mount-node,upstream] [-- --rounds 5 --duration 3]
//   [-- --pairs 3 --pair-duration 8] [-- --tool autocannon|wrk] [-- --connections 50]
//   [-- --neighbours 1] (written to .bench/neighbours unless --out says otherwise)
// Starts every configuration as its own server process, then loads them round-robin (each
// round of each configuration preceded by a warm-up), reading the server's CPU time around
// each measured round: the table. Then the targets in paired rounds (bench/paired.ts): their
// ratios. Then the upstream rows (bench/upstream.ts; `--only upstream` for them alone).
// Writes bench/results/latest.{json,md,svg} (or to --out; to .bench/neighbours with --neighbours).
import { parseArgs } from 'node:util'
import { type Config, configs } from './configs.ts'
import {
  chooseTool,
  pinning,
  type Round,
  type RunningServer,
  round,
  startServer,
  warmKeys,
} from './load.ts'
import { readNeighbours, startNeighbours } from './neighbour.ts'
import { pairedRounds } from './paired.ts'
import { checkTargets, machine, printTable, type Report, summarize, write } from './report.ts'
import { upstreamRows } from './upstream.ts'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    pairs: { type: 'string' },
    'pair-duration': { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    tool: { type: 'string', default: 'auto' },
    neighbours: { type: 'string' },
    out: { type: 'string' },
  },
})
const rounds = Number(values.rounds ?? (values.quick ? 1 : 3))
const duration = Number(values.duration ?? (values.quick ? 2 : 5))
const warmup = Number(values.warmup ?? 1)
const pairs = Number(values.pairs ?? (values.quick ? 0 : 3))
const pairDuration = Number(values['pair-duration'] ?? 8)
const connections = Number(values.connections)
const asked = values.only?.split(',').map((s) => s.trim()) ?? [...configs.keys(), 'upstream']
const names = asked.filter((name) => name !== 'upstream')
for (const name of names) {
  if (!configs.has(name)) {
    console.error(`unknown configuration "${name}"; known: ${[...configs.keys()].join(', ')}`)
    process.exit(2)
  }
}

const pin = pinning()
const { tool, description: loader } = chooseTool(values.tool)
const neighbours = readNeighbours(values.neighbours, pin.server.length > 0)
// A run beside neighbours is not the reference the docs show: it goes elsewhere by default.
const out = values.out ?? (neighbours.count > 0 ? '.bench/neighbours' : 'bench/results')
const description = machine(pin.description, neighbours.description)
console.log(description)
if (names.length > 0) {
  console.log(`${names.length} configurations × ${rounds} rounds of ${duration} s`)
  console.log(`(+${warmup} s warm-up each), ${connections} connections, ${loader}`)
}

const servers: RunningServer[] = []
const stopNeighbours = startNeighbours(neighbours.count)
const stopAll = () => {
  for (const server of servers) server.stop()
}
process.on('SIGINT', () => {
  stopAll()
  process.exit(130)
})

try {
  for (const name of names) {
    const started = Date.now()
    const server = await startServer(configs.get(name) as Config, pin.server)
    servers.push(server)
    await warmKeys(server)
    console.log(`started ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }
  const results = new Map<string, Round[]>(names.map((name) => [name, []]))
  for (let r = 1; r <= rounds; r++) {
    for (const server of servers) {
      const result = await round(server, warmup, duration, connections, tool)
      results.get(server.config.name)?.push(result)
      const failed = result.failures > 0 ? `, ${result.failures} FAILED` : ''
      console.log(
        `round ${r}/${rounds} ${server.config.name.padEnd(18)} ${Math.round(result.rps).toString().padStart(6)} req/s` +
          `  p99 ${result.p99} ms  ${result.cpuPerRequest.toFixed(1)} µs/req, busy ${Math.round(result.busy * 100)}%${failed}`,
      )
    }
  }
  const summaries = summarize(results)
  stopAll() // the paired rounds start servers of their own
  const paired =
    pairs > 0
      ? await pairedRounds(
          names,
          { pairs, duration: pairDuration, connections, tool, pin: pin.server },
          console.log,
        )
      : []
  const upstream = asked.includes('upstream')
    ? await upstreamRows(
        { quick: values.quick, pairs, connections, tool, pin: pin.server },
        console.log,
      )
    : undefined
  const report: Report = {
    date: new Date().toISOString(),
    machine: description,
    settings: {
      rounds,
      duration,
      warmup,
      connections,
      loader,
      pairs,
      pairDuration,
      summary: `${loader}, ${connections} connections, ${rounds} interleaved round${rounds === 1 ? '' : 's'} of ${duration} s after ${warmup} s of warm-up${pairs > 0 ? `; targets in ${pairs} pairs of ${pairDuration} s, target and baseline alternating every 0.25 s in one process` : ''}`,
    },
    results: summaries,
    ...(paired.length > 0 ? { paired } : {}),
    targets: checkTargets(summaries, paired),
    ...(upstream === undefined ? {} : { upstream }),
  }
  printTable(report)
  write(report, out)
  if (summaries.some((s) => s.failures > 0)) {
    console.error(
      '\nSome requests failed (non-2xx, errors or timeouts): see the rows marked "failed".',
    )
    process.exitCode = 1
  }
} finally {
  stopAll()
  stopNeighbours()
}

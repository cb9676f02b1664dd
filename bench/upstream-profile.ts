// Profiles the proxies of the upstream rows under the same load as `npm run bench` (after a
// warm-up) and prints the top self-time functions, as bench/profile.ts does for the others;
// --ws profiles upstream() piping WebSocket echo instead.
//   node --import tsx bench/upstream-profile.ts [--only mount-upstream,fastify-proxy] [--ws]
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { formatRows, selfTimes } from './cpuprofile.ts'
import { chooseTool, load, pinning } from './load.ts'
import { ORIGIN, originPinning, PROXIES, startProcess } from './upstream.ts'
import { echo } from './ws.ts'

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'mount-upstream' },
    ws: { type: 'boolean', default: false },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    top: { type: 'string', default: '20' },
  },
})
const dir = mkdtempSync(join(tmpdir(), 'switchyard-profile-'))
const pin = pinning()
const { tool } = chooseTool('auto')
const connections = Number(values.connections)
const seconds = Number(values.duration)
const origin = await startProcess(ORIGIN, ['origin'], originPinning(pin.server))
try {
  for (const name of values.ws ? ['mount-upstream'] : values.only.split(',')) {
    const config = PROXIES.find((p) => p.name === name.trim())
    if (config === undefined) throw new Error(`unknown proxy "${name}"`)
    const server = await startProcess(config, [config.name, String(origin.port)], pin.server)
    try {
      const url = `ws://127.0.0.1:${server.port}/backend/ws`
      const run = (s: number) =>
        values.ws
          ? echo([{ name: 'a', url }], { sockets: connections, segments: 2 * s, ms: 500 })
          : load(server, s, connections, tool)
      await run(2)
      const file = join(dir, `${config.name}${values.ws ? '-ws' : ''}.cpuprofile`)
      await server.ask({ profile: 'start' }, 'profiled')
      const before = await server.cpu()
      const result = await run(seconds)
      const cpu = (await server.cpu()) - before
      await server.ask({ profile: file }, 'profiled')
      const done =
        'requests' in result ? result.requests : (result.sides[0]?.rate ?? 0) * result.seconds
      const { rows, gc, switchyard } = selfTimes(file)
      console.log(
        `## ${config.label}${values.ws ? ', WebSocket echo' : ''}: ${Math.round(done / seconds)} ${values.ws ? 'messages' : 'req'}/s, ${(cpu / done).toFixed(1)} µs CPU each while profiled; ${file}`,
      )
      console.log(
        `GC ${gc.toFixed(1)}%, under switchyard frames ${switchyard.toFixed(1)}% of busy samples`,
      )
      console.log(`${formatRows(rows, Number(values.top))}\n`)
    } finally {
      server.stop()
    }
  }
} finally {
  origin.stop()
}

// The upstream rows of `npm run bench` (DESIGN §6): one upstream server (node:http answering
// "hello", a ws echo server on the same port) that every row forwards to, and in front of it
// switchyard's upstream(), @fastify/http-proxy, http-proxy-middleware under Express and nginx
// proxy_pass, each on the server core. Interleaved rounds give the table (CPU per request of
// the proxying process); the targets are measured in paired segments, both proxies in one
// process (bench/paired.ts), against an A/A pair of two upstream() apps. Then WebSocket echo
// through upstream() against direct, in alternating turns (bench/ws.ts).
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import type { Config } from './configs.ts'
import { check, type Round, type RunningServer, round, type Tool } from './load.ts'
import { findNginx, nginxVersion, startNginx } from './nginx.ts'
import { measurePairs, type PairedRatios } from './paired.ts'
import type { Target } from './report.ts'
import { type EchoResult, type EchoSide, echo } from './ws.ts'

export interface UpstreamRow {
  name: string
  label: string
  rounds: Round[]
  note?: string
}

export interface UpstreamReport {
  /** Where the upstream server ran, the load settings. */
  setup: string
  rows: UpstreamRow[]
  /** Paired rounds: the A/A pair first. Empty with --pairs 0. */
  paired: PairedRatios[]
  targets: Target[]
  ws: EchoResult & { factor: number }
}

export interface UpstreamSettings {
  quick: boolean
  pairs: number
  connections: number
  tool: Tool
  /** The command prefix that pins a server to its core. */
  pin: string[]
}

const request = (path: string) => () => ({ path, host: 'localhost' })
const row = (name: string, label: string, path = '/backend/x'): Config => ({
  name,
  label,
  group: 'peer',
  vs: [],
  keys: 1,
  request: request(path),
})

export const ORIGIN = row('origin', 'the upstream server alone, direct (node:http)', '/x')
export const PROXIES = [
  row('mount-upstream', 'mount → upstream (undici Pool)'),
  row('mount-upstream-aa', 'mount → upstream, again (A/A)'),
  row('fastify-proxy', '@fastify/http-proxy on Fastify (undici)'),
  row('express-hpm', 'http-proxy-middleware under Express (httpxy, keep-alive agent)'),
]
const NGINX = row('nginx', 'nginx proxy_pass, keepalive 64 (reference)')
const labels = new Map([ORIGIN, ...PROXIES, NGINX].map((c) => [c.name, c.label]))
export const upstreamLabel = (name: string) => labels.get(name) ?? name

/** DESIGN §6, by CPU per request of the proxying process (and req/s). */
export const upstreamTargets = [
  { name: 'mount-upstream', baseline: 'fastify-proxy', factor: 1 },
  { name: 'mount-upstream', baseline: 'express-hpm', factor: 2 },
]
const WS_FACTOR = 0.9

/** Starts bench/upstream-servers.ts: the origin or proxies to it, on the cores of `pin`. */
export async function startProcess(config: Config, args: string[], pin: string[]) {
  const script = join(import.meta.dirname, 'upstream-servers.ts')
  const [command, ...rest] = [...pin, process.execPath, '--import', 'tsx', script, ...args]
  const child = spawn(command as string, rest, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args[0]}: the server exited (${code})`)))
    child.stdout?.once('data', (data) => resolve(Number(String(data).trim())))
  })
  const ask = (message: unknown, key: string) =>
    new Promise<unknown>((resolve, reject) => {
      const on = (m: unknown) => {
        if (typeof m !== 'object' || m === null || !(key in m)) return
        child.off('message', on).off('exit', reject)
        resolve((m as Record<string, unknown>)[key])
      }
      child.on('message', on).once('exit', reject)
      child.send(message as string)
    })
  const cpu = async () => {
    const { user, system } = (await ask('cpu', 'cpu')) as NodeJS.CpuUsage
    return user + system
  }
  const server: RunningServer = { config, port, child, ask, cpu, stop: () => child.kill('SIGINT') }
  await check(server)
  return server
}

/** The origin gets a core of its own when there are three; on two it shares the load's. */
export function originPinning(pin: string[]): string[] {
  return pin.length === 0 ? [] : ['taskset', '-c', availableParallelism() >= 3 ? '2' : '0']
}

export async function upstreamRows(
  settings: UpstreamSettings,
  log: (line: string) => void,
): Promise<UpstreamReport> {
  const { quick, connections, tool, pin } = settings
  const originPin = originPinning(pin)
  const running: RunningServer[] = []
  const stopAll = () => {
    for (const server of running.splice(0)) server.stop()
  }
  try {
    const origin = await startProcess(ORIGIN, ['origin'], originPin)
    running.push(origin)
    const op = String(origin.port)
    const servers = [origin]
    for (const proxy of PROXIES.filter((p) => p.name !== 'mount-upstream-aa')) {
      servers.push(await startProcess(proxy, [proxy.name, op], pin))
    }
    running.push(...servers.slice(1))
    const nginx = findNginx()
    const nginxNote =
      nginx === undefined ? 'no nginx (scripts/install-balancers.sh)' : nginxVersion(nginx)
    if (nginx !== undefined) {
      const server = await startNginx(nginx, NGINX, origin.port, pin)
      running.push(server)
      servers.push(server)
    }
    const rounds = quick ? 1 : 2
    const seconds = quick ? 2 : 4
    const pairs =
      settings.pairs > 0 ? `; targets in ${settings.pairs} pairs of ${PAIR_SEGMENTS / 4} s` : ''
    const setup = `Upstream rows: upstream server ${originPin.length === 0 ? 'not pinned' : `on core ${originPin[2]}`}, proxies on the server core, ${nginxNote}; ${connections} connections, ${rounds} interleaved round${rounds === 1 ? '' : 's'} of ${seconds} s after 1 s of warm-up${pairs}`
    log(setup)

    // The table: interleaved rounds, as the main table's.
    const rows: UpstreamRow[] = servers.map((s) => ({
      name: s.config.name,
      label: s.config.label,
      rounds: [],
    }))
    for (let r = 1; r <= rounds; r++) {
      for (const [i, server] of servers.entries()) {
        const result = await round(server, 1, seconds, connections, tool)
        rows[i]?.rounds.push(result)
        log(
          `upstream round ${r}/${rounds} ${server.config.name.padEnd(18)} ${Math.round(result.rps).toString().padStart(6)} req/s` +
            `  ${result.cpuPerRequest.toFixed(1)} µs/req, busy ${Math.round(result.busy * 100)}%${result.failures > 0 ? `, ${result.failures} FAILED` : ''}`,
        )
      }
    }

    // WebSocket echo through the upstream() process of the table (and nginx), against direct.
    const sides: EchoSide[] = [{ name: 'direct', url: `ws://127.0.0.1:${origin.port}/ws` }]
    for (const s of servers.filter((s) => ['mount-upstream', 'nginx'].includes(s.config.name))) {
      const url = `ws://127.0.0.1:${s.port}/backend/ws`
      sides.push({ name: s.config.name, url, cpu: s.cpu })
    }
    const ws = await echo(sides, { sockets: connections, segments: quick ? 6 : 24, ms: 400 })
    log(
      `WebSocket echo, ${ws.sockets} sockets: ${ws.sides.map((s) => `${s.name} ${Math.round(s.rate)} msg/s${s.cpuPerMessage === undefined ? '' : ` (${s.cpuPerMessage.toFixed(1)} µs CPU/msg)`}`).join(', ')}`,
    )
    for (const server of servers.slice(1)) server.stop()

    const paired: PairedRatios[] = []
    if (settings.pairs > 0) {
      const pairs = [{ name: 'mount-upstream-aa', baseline: 'mount-upstream' }, ...upstreamTargets]
      for (const { name, baseline } of pairs) {
        const config = {
          ...(PROXIES.find((p) => p.name === name) as Config),
          name: `${baseline}+${name}`,
        }
        const start = () => startProcess(config, [config.name, op], settings.pin)
        const measured = { ...settings, segments: PAIR_SEGMENTS }
        paired.push(await measurePairs(name, baseline, measured, start, log))
      }
    }
    const targets = upstreamTargets.flatMap((t): Target[] => {
      const p = paired.find((q) => q.name === t.name && q.baseline === t.baseline)
      if (p !== undefined) {
        const span = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)]
        return [
          {
            ...t,
            rps: median(p.rps),
            cpu: median(p.cpu),
            range: { rps: span(p.rps), cpu: span(p.cpu) },
          },
        ]
      }
      const mine = rows.find((r) => r.name === t.name)
      const base = rows.find((r) => r.name === t.baseline)
      if (mine === undefined || base === undefined) return []
      const best = (r: UpstreamRow) => Math.max(...r.rounds.map((x) => x.rps))
      const cheapest = (r: UpstreamRow) => Math.min(...r.rounds.map((x) => x.cpuPerRequest))
      return [{ ...t, rps: best(mine) / best(base), cpu: cheapest(base) / cheapest(mine) }]
    })
    return { setup, rows, paired, targets, ws: { ...ws, factor: WS_FACTOR } }
  } finally {
    stopAll()
  }
}

// 16 quarter seconds measured per pair, after 8 of warm-up.
const PAIR_SEGMENTS = 16

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

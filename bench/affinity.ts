// npm run bench:affinity: what `serve --affinity host` costs and what it saves, against
// `--affinity none` (node:cluster's round robin).
//
// 1. The primary's CPU time per new connection (from /proc, so Linux only), and connections
//    per second: rounds of connect + one request + close, 16 at a time, alternating host and
//    none, 2 workers each.
// 2. With 4 workers and 1,000 tenants, each asked 8 times on fresh connections: instances
//    created and the workers' RSS. A tenant here is an Express app holding 256 KiB of data
//    of its own (a stand-in for a tenant's config, templates, caches).
//
// This same file is the served entry (its `application` export): the bench starts the CLI
// on itself.
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import express from 'express'
import { subdomains } from '../src/index.ts'

const SELF = fileURLToPath(import.meta.url)

export const application = subdomains(
  'example.test',
  (key) => {
    if (key === '') return null
    console.log(`created ${key} in ${process.pid}`)
    const data = Buffer.alloc(256 * 1024, key) // filled, so its pages are resident
    return express().get('/', (_req, res) => {
      res.send(`${process.pid} ${key} ${data[0]}`)
    })
  },
  { max: 100_000 },
)

interface Server {
  pid: number
  port: number
  output(): string
  stop(): Promise<void>
}

async function startServe(affinity: string, workers: number): Promise<Server> {
  const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
  const args = ['--import', 'tsx', bin, 'serve', `${SELF}:application`, '--port', '0']
  args.push('--host', '127.0.0.1', '--workers', String(workers), '--affinity', affinity)
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let text = ''
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', () => reject(new Error(`serve exited:\n${text}`)))
    const check = () => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(text)
      if (m !== null) resolve(Number(m[1]))
      else setTimeout(check, 50)
    }
    check()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    pid: child.pid as number,
    port,
    output: () => text,
    stop: () => {
      child.kill('SIGTERM')
      return exited
    },
  }
}

/** GETs for `hosts`, each on a fresh connection, `concurrency` at a time. */
async function hit(port: number, hosts: string[], concurrency = 16): Promise<void> {
  let next = 0
  const one = (host: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, agent: false, headers: { host } }, (res) => {
        res.resume()
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(host))))
      })
      req.on('error', reject)
      req.end()
    })
  const run = async () => {
    while (next < hosts.length) await one(hosts[next++] as string)
  }
  await Promise.all(Array.from({ length: concurrency }, run))
}

/** utime + stime of a process, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // CLK_TCK is 100 on Linux
}

function workerRss(primary: number): number[] {
  const out = execFileSync('ps', ['-o', 'rss=', '--ppid', String(primary)], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((kb) => Number(kb) / 1024)
}

const tenants = (n: number) => Array.from({ length: n }, (_, i) => `t${i}.example.test`)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

// Both servers run at once and the rounds alternate, so a busy moment of this shared machine
// falls on both alike.
async function connectionCost(rounds: number, connections: number) {
  const modes = ['host', 'none'] as const
  const servers = await Promise.all(modes.map((affinity) => startServe(affinity, 2)))
  const cost: Record<string, number[]> = { host: [], none: [] }
  const rate: Record<string, number[]> = { host: [], none: [] }
  const hosts = tenants(100)
  // Warm: each tenant exists in every worker it can reach, so rounds time connections only.
  for (const server of servers) for (let k = 0; k < 4; k++) await hit(server.port, hosts)
  const load = Array.from({ length: connections }, (_, i) => hosts[i % hosts.length] as string)
  for (let r = 0; r < rounds; r++) {
    for (const [i, server] of servers.entries()) {
      const cpu = cpuMs(server.pid)
      const start = performance.now()
      await hit(server.port, load)
      const ms = performance.now() - start
      cost[modes[i] as string]?.push(((cpuMs(server.pid) - cpu) * 1000) / connections)
      rate[modes[i] as string]?.push((connections * 1000) / ms)
    }
  }
  await Promise.all(servers.map((server) => server.stop()))
  return { cost, rate }
}

async function memory(workers: number, n: number, asks: number) {
  const rows = []
  for (const affinity of ['host', 'none']) {
    const server = await startServe(affinity, workers)
    await hit(server.port, ['warm.example.test'])
    const before = workerRss(server.pid)
    const hosts = tenants(n)
    for (let k = 0; k < asks; k++) await hit(server.port, hosts)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const rss = workerRss(server.pid)
    const created = (server.output().match(/^created t\d+ in \d+$/gm) ?? []).length
    rows.push({ affinity, created, before, rss })
    await server.stop()
  }
  return rows
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '7' },
      connections: { type: 'string', default: '4000' },
      tenants: { type: 'string', default: '1000' },
    },
  })
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  const mib = (xs: number[]) =>
    `${sum(xs).toFixed(0)} MiB (${xs.map((x) => x.toFixed(0)).join(' + ')})`
  console.log(`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`)
  const { cost, rate } = await connectionCost(Number(values.rounds), Number(values.connections))
  console.log('\nprimary CPU per new connection (2 workers; median, and the range, over rounds)')
  for (const a of ['host', 'none']) {
    const c = cost[a] as number[]
    const r = rate[a] as number[]
    console.log(
      `  ${a.padEnd(5)} ${median(c).toFixed(1)} µs (${Math.min(...c).toFixed(1)}–${Math.max(...c).toFixed(1)})` +
        `   ${median(r).toFixed(0)} connections/s`,
    )
  }
  const n = Number(values.tenants)
  console.log(`\n4 workers, ${n} tenants × 8 requests on fresh connections`)
  console.log('| affinity | instances created | workers RSS before | workers RSS after |')
  console.log('|---|---|---|---|')
  for (const row of await memory(4, n, 8)) {
    console.log(`| ${row.affinity} | ${row.created} | ${mib(row.before)} | ${mib(row.rss)} |`)
  }
}

if (process.argv[1] === SELF) await main()

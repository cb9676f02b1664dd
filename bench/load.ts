// Server processes and load rounds: the orchestrator's moving parts.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { request } from 'node:http'
import { createRequire } from 'node:module'
import { connect } from 'node:net'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import type { Config } from './configs.ts'
import { type Measured, wrkLoad, wrkVersion } from './wrk.ts'

export type Tool = 'autocannon' | 'wrk'

export interface Round {
  rps: number
  p99: number
  /** Server CPU time (user + system) per request served, in µs. */
  cpuPerRequest: number
  requests: number
  /** Server CPU time over wall time: near 1, the server was the bottleneck. */
  busy: number
  /** Non-2xx answers, socket errors and timeouts: a valid round has none. */
  failures: number
}

export interface RunningServer {
  config: Config
  port: number
  child: ChildProcess
  /** Sends an IPC message; resolves with field `key` of the first answer that has it. */
  ask(message: unknown, key: string): Promise<unknown>
  cpu(): Promise<number>
  stop(): void
}

/** wrk when asked for or, with 'auto', when installed; else autocannon. */
export function chooseTool(wanted: string): { tool: Tool; description: string } {
  if (!['auto', 'autocannon', 'wrk'].includes(wanted)) throw new Error(`--tool ${wanted}: unknown`)
  const wrk = wanted === 'autocannon' ? undefined : wrkVersion()
  if (wanted === 'wrk' && wrk === undefined) throw new Error('--tool wrk: wrk is not installed')
  if (wrk !== undefined) return { tool: 'wrk', description: `${wrk}, 1 thread` }
  const { version } = createRequire(import.meta.url)('autocannon/package.json') as {
    version: string
  }
  return { tool: 'autocannon', description: `autocannon ${version}, in-process` }
}

/** Pins this process (the load generator) to one core and returns how to pin servers. */
export function pinning(): { server: string[]; description: string } {
  if (availableParallelism() < 2) return { server: [], description: 'one core, not pinned' }
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
    return { server: ['taskset', '-c', '1'], description: 'server on core 1, load on core 0' }
  } catch {
    return { server: [], description: 'not pinned (no taskset)' }
  }
}

export async function startServer(config: Config, pin: string[]): Promise<RunningServer> {
  const script = join(import.meta.dirname, 'servers.ts')
  const node = [process.execPath, '--import', 'tsx', script, config.name]
  const [command, ...args] = [...pin, ...node] as [string, ...string[]]
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  let exited: Error | undefined
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => {
      exited = new Error(`${config.name}: the server exited (${code})`)
      reject(exited)
    })
    child.stdout?.once('data', (data) => resolve(Number(String(data).trim())))
  })
  const ask = (message: unknown, key: string) =>
    new Promise<unknown>((resolve, reject) => {
      if (exited !== undefined) return reject(exited)
      const on = (m: unknown) => {
        if (typeof m !== 'object' || m === null || !(key in m)) return
        child.off('message', on)
        child.off('exit', gone)
        resolve((m as Record<string, unknown>)[key])
      }
      const gone = () => reject(exited)
      child.on('message', on)
      child.once('exit', gone)
      child.send(message as string)
    })
  const cpu = async () => {
    const { user, system } = (await ask('cpu', 'cpu')) as NodeJS.CpuUsage
    return user + system
  }
  const server = { config, port, child, ask, cpu, stop: () => child.kill('SIGINT') }
  await check(server)
  return server
}

/** The first and last distinct request must get 200 "hello" before anything is measured. */
export async function check({ config, port }: RunningServer): Promise<void> {
  for (const i of new Set([0, config.keys - 1])) {
    const { path, host } = config.request(i)
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path, headers: { host } }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => {
          text += chunk
        })
        res.on('end', () => resolve(`${res.statusCode} ${text}`))
      })
      req.on('error', reject).end()
    })
    if (body !== '200 hello') throw new Error(`${config.name}: ${host}${path} answered ${body}`)
  }
}

/**
 * Sends every distinct request of the config once, from this process (never the server's:
 * a client in the server's process would run code there that a real server never runs),
 * on up to 100 connections with one request in flight each, as the load generator sends
 * them; each must get 200 "hello". For the tenant configurations this creates every tenant
 * before anything is measured (100 at a time, within maxCreating).
 */
export async function warmKeys({ config, port }: RunningServer): Promise<void> {
  if (config.keys <= 1) return
  const connections = Array.from({ length: Math.min(100, config.keys) }, (_, c) => {
    const mine: string[] = []
    for (let i = c; i < config.keys; i += 100) {
      const { path, host } = config.request(i)
      mine.push(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
    }
    return oneByOne(port, mine)
  })
  await Promise.all(connections)
}

/** Sends the raw requests on one connection, each once the last got 200 "hello". */
function oneByOne(port: number, requests: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    socket.setEncoding('latin1')
    let next = 0
    let text = ''
    const fail = (why: string) => {
      socket.destroy()
      reject(new Error(`warm-up: ${requests[next]?.split('\r\n')[1]}: ${why}`))
    }
    socket.on('data', (chunk: string) => {
      text += chunk
      if (!text.includes('\r\n\r\n')) return
      if (!text.startsWith('HTTP/1.1 200 ')) return fail(text.slice(0, text.indexOf('\r\n')))
      if (!text.endsWith('\r\n\r\nhello'))
        return text.length > 4096 ? fail('no "hello"') : undefined
      text = ''
      if (++next < requests.length) socket.write(requests[next] as string)
      else {
        socket.destroy()
        resolve()
      }
    })
    socket.on('error', (error) => fail(error.message))
    socket.on('close', () => {
      if (next < requests.length) fail('the connection closed')
    })
    socket.write(requests[0] as string)
  })
}

/** Loads the server for `seconds`, spreading requests over all of the config's keys. */
export async function load(
  server: RunningServer,
  seconds: number,
  connections: number,
  tool: Tool,
): Promise<Measured> {
  const { config, port } = server
  if (tool === 'wrk') return wrkLoad(config, port, seconds, connections)
  // Each connection cycles through its own share of the keys.
  let next = 0
  const setupClient = (client: autocannon.Client) => {
    const mine = next++ % connections
    const requests: autocannon.Request[] = []
    for (let i = mine % config.keys; i < config.keys; i += connections) {
      const { path, host } = config.request(i)
      requests.push({ method: 'GET', path, headers: { host } })
    }
    client.setRequests(requests)
  }
  const url = `http://127.0.0.1:${port}`
  const result = await autocannon({ url, connections, duration: seconds, setupClient })
  return {
    requests: result.requests.total,
    seconds: result.duration || seconds,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  }
}

/** One measured round: warm-up, then CPU time read around the measured load. */
export async function round(
  server: RunningServer,
  warmup: number,
  seconds: number,
  connections: number,
  tool: Tool,
): Promise<Round> {
  if (warmup > 0) await load(server, warmup, connections, tool)
  const before = await server.cpu()
  const result = await load(server, seconds, connections, tool)
  const cpu = (await server.cpu()) - before
  return {
    rps: result.requests / result.seconds,
    p99: result.p99,
    cpuPerRequest: cpu / Math.max(1, result.requests),
    requests: result.requests,
    busy: cpu / 1e6 / result.seconds,
    failures: result.failures,
  }
}

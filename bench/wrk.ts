// wrk as the load generator when it is installed: far cheaper per request than autocannon,
// so the server rather than the load generator is the bottleneck.
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from './configs.ts'

/** One load run, whichever tool made it. */
export interface Measured {
  requests: number
  seconds: number
  /** ms */
  p99: number
  /** Non-2xx/3xx answers, socket errors and timeouts. */
  failures: number
}

/** `wrk 4.1.0` when wrk runs, else undefined. */
export function wrkVersion(): string | undefined {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'pipe' })
  } catch (error) {
    // wrk prints its version and exits with 1.
    const out = String((error as { stdout?: Buffer }).stdout ?? '')
    const match = /^wrk (\S+)/.exec(out)
    return match === null ? undefined : `wrk ${match[1]}`
  }
  return 'wrk'
}

let dir: string | undefined
const scripts = new Map<string, string>()

/** A Lua script that cycles through the config's requests and prints a JSON summary. */
function script(config: Config): string {
  let file = scripts.get(config.name)
  if (file !== undefined) return file
  if (dir === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'switchyard-wrk-'))
    process.on('exit', () => rmSync(made, { recursive: true, force: true }))
    dir = made
  }
  // One request per line, read at init: a table constructor of 100,000 entries is too big.
  const lines = Array.from({ length: config.keys }, (_, i) => {
    const { path, host } = config.request(i)
    return `${path} ${host}\n`
  })
  const data = join(dir, `${config.name}.txt`)
  writeFileSync(data, lines.join(''))
  const lua = `local reqs = {}
local i = 0
function init(args)
  for line in io.lines(${JSON.stringify(data)}) do
    local path, host = line:match('^(%S+) (%S+)$')
    reqs[#reqs + 1] = wrk.format('GET', path, { Host = host })
  end
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\n{"requests":%d,"micros":%d,"p99":%.3f,"failures":%d}\\n',
    summary.requests, summary.duration, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
`
  file = join(dir, `${config.name}.lua`)
  writeFileSync(file, lua)
  scripts.set(config.name, file)
  return file
}

export function wrkLoad(
  config: Config,
  port: number,
  seconds: number,
  connections: number,
): Promise<Measured> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script(config)]
  args.push(`http://127.0.0.1:${port}/`)
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? ''
      if (error !== null || !line.startsWith('{')) {
        reject(error ?? new Error(`wrk: unexpected output\n${stdout}${stderr}`))
        return
      }
      const out = JSON.parse(line) as {
        requests: number
        micros: number
        p99: number
        failures: number
      }
      resolve({
        requests: out.requests,
        seconds: out.micros / 1e6,
        p99: out.p99,
        failures: out.failures,
      })
    })
  })
}

// The processes of the deploy test: `switchyard serve` backends (a test kills a whole
// machine by its process group), nginx and HAProxy started on loopback ports
// with the shipped configurations from deploy/, their addresses replaced.
import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { getHost } from './http.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'src/bin.ts')
const APP = join(ROOT, 'test/deploy/tenant-app.ts')
const TSX = import.meta.resolve('tsx')
const started = new Set<ChildProcess>()

export interface Proc {
  child: ChildProcess
  pid: number
  port: number
  output(): string
  /** SIGKILL to the whole process group: the machine is gone. */
  killGroup(): void
}

/** Where `name` is installed (Debian puts both in /usr/sbin), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK)
      return join(dir, name)
    } catch {}
  }
  return undefined
}

// Each in a process group of its own: killing the group also ends what it forked (a killed
// nginx master would leave its workers, holding our pipes, behind).
function start(command: string, args: string[]): Omit<Proc, 'port'> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  started.add(child)
  child.once('exit', () => started.delete(child))
  let text = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk
  })
  const pid = child.pid as number
  return {
    child,
    pid,
    output: () => text,
    killGroup: () => {
      try {
        process.kill(-pid, 'SIGKILL')
      } catch {}
    },
  }
}

/** For an `after` hook: everything this file started, whole groups included, is killed. */
export function killAll(): void {
  for (const child of started) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL')
    } catch {}
  }
}

export async function waitFor<T>(get: () => T | undefined, ms: number, what: string): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    const value = get()
    if (value !== undefined) return value
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** A `switchyard serve` of the tenant app with the flags deploy/ documents, workers 2. */
export async function startBackend(): Promise<Proc> {
  const args = ['--import', TSX, BIN, 'serve', APP, '--host', '127.0.0.1', '--port', '0']
  const proc = start(process.execPath, [
    ...args,
    '--workers',
    '2',
    '--affinity',
    'host',
    '--trust-proxy',
  ])
  const url = await waitFor(
    () => /listening on (\S+)/.exec(proc.output())?.[1],
    20_000,
    'a backend',
  )
  return { ...proc, port: Number(new URL(url).port) }
}

/** A port that was free a moment ago (nginx and HAProxy cannot report one they picked). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** `text` with `pattern` replaced; exactly `count` matches, or the shipped file changed. */
function substitute(text: string, pattern: RegExp, count: number, by: (i: number) => string) {
  let i = 0
  const out = text.replace(pattern, () => by(i++))
  if (i !== count)
    throw new Error(`deploy config: expected ${count} matches of ${pattern}, got ${i}`)
  return out
}

export type Balancer = 'nginx' | 'haproxy'

/** Starts `kind` with the shipped config on a loopback port, in front of `backends`. */
export async function startBalancer(
  kind: Balancer,
  dir: string,
  backends: number[],
): Promise<Proc> {
  const port = await freePort()
  const backend = (i: number) => `127.0.0.1:${backends[i]}`
  let proc: Omit<Proc, 'port'>
  if (kind === 'nginx') {
    let conf = readFileSync(join(ROOT, 'deploy/nginx.conf'), 'utf8')
    conf = substitute(conf, /10\.0\.0\.1\d:5000/g, backends.length, backend)
    conf = substitute(conf, /listen 80;/g, 1, () => `listen 127.0.0.1:${port};`)
    writeFileSync(join(dir, 'switchyard.conf'), conf)
    for (const temp of ['body', 'proxy']) mkdirSync(join(dir, temp), { recursive: true })
    const main = [
      'daemon off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 1024; }',
      `http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/proxy; uwsgi_temp_path ${dir}/proxy; scgi_temp_path ${dir}/proxy;`,
      `  include ${dir}/switchyard.conf; }`,
    ]
    writeFileSync(join(dir, 'nginx.conf'), `${main.join('\n')}\n`)
    const nginx = findBinary('nginx') as string
    proc = start(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')])
  } else {
    let conf = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8')
    conf = substitute(conf, /10\.0\.0\.1\d:5000/g, backends.length, backend)
    conf = substitute(conf, /bind :80\b/g, 1, () => `bind 127.0.0.1:${port}`)
    writeFileSync(join(dir, 'haproxy.cfg'), conf)
    proc = start(findBinary('haproxy') as string, ['-db', '-f', join(dir, 'haproxy.cfg')])
  }
  // Up once it answers a tenant (every backend healthy for HAProxy's checks too).
  await waitForAnswer(port, proc)
  return { ...proc, port }
}

async function waitForAnswer(port: number, proc: Omit<Proc, 'port'>): Promise<void> {
  for (const end = Date.now() + 15_000; Date.now() < end; await sleep(100)) {
    if (proc.child.exitCode !== null) throw new Error(`balancer exited:\n${proc.output()}`)
    const reply = await getHost(port, 'up.example.test').catch(() => undefined)
    if (reply?.status === 200) return
  }
  throw new Error(`balancer not answering:\n${proc.output()}`)
}

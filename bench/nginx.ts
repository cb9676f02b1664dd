// nginx proxy_pass as the reference beside the upstream rows: Debian's nginx
// (scripts/install-balancers.sh), one worker with keep-alive connections to the same upstream
// server, the same forwarding headers as upstream() sets, WebSocket upgrades passed through. Its CPU time is read from /proc:
// the worker's (the master only waits).
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from './configs.ts'
import { check, type RunningServer } from './load.ts'

/** nginx's path, or undefined when it is not installed. */
export function findNginx(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/sbin', '/usr/local/sbin')) {
    if (dir !== '' && existsSync(join(dir, 'nginx'))) return join(dir, 'nginx')
  }
  return undefined
}

/** `nginx/1.22.1`: what nginx -v prints (to stderr). */
export function nginxVersion(binary: string): string {
  const { stderr } = spawnSync(binary, ['-v'], { encoding: 'utf8' })
  return /nginx\/\S+/.exec(stderr)?.[0] ?? 'nginx'
}

function config(dir: string, port: number, origin: number): string {
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
  for (const temp of temps) mkdirSync(join(dir, temp), { recursive: true })
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  ${temps.map((t) => `${t}_temp_path ${dir}/${t};`).join('\n  ')}
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  # Upgrades pass through; plain requests keep their upstream connection alive.
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' '';
  }
  upstream origin {
    server 127.0.0.1:${origin};
    # Above the load's 50 connections: none is closed and opened again under load.
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${port};
    location /backend/ {
      proxy_pass http://origin/;
      proxy_http_version 1.1;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Prefix /backend;
    }
  }
}
`
}

/** A port that was free a moment ago: nginx cannot report one it picked. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

const TICK_US = (() => {
  try {
    return 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
  } catch {
    return 1e4
  }
})()

/** utime + stime of a process, in µs (resolution: one clock tick, 10 ms here). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which may hold spaces: its closing parenthesis ends it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_US
}

export async function startNginx(
  binary: string,
  cfg: Config,
  origin: number,
  pin: string[],
): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-nginx-'))
  const port = await freePort()
  const file = join(dir, 'nginx.conf')
  writeFileSync(file, config(dir, port, origin))
  const [command, ...args] = [...pin, binary, '-p', dir, '-c', file, '-e', join(dir, 'error.log')]
  // taskset execs nginx: the child is nginx's master, its worker inherits the core.
  const child = spawn(command as string, args, { stdio: ['ignore', 'ignore', 'inherit'] })
  const stop = () => {
    child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', stop)
  const server: RunningServer = {
    config: cfg,
    port,
    child,
    ask: () => Promise.reject(new Error('nginx takes no messages')),
    cpu: async () => cpuOf(worker()),
    stop,
  }
  const worker = () => {
    const children = `/proc/${child.pid}/task/${child.pid}/children`
    const [pid] = readFileSync(children, 'utf8').trim().split(' ')
    if (pid === undefined || pid === '') throw new Error('nginx: no worker process')
    return Number(pid)
  }
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}); see above`)
    try {
      await check(server)
      worker()
      return server
    } catch (error) {
      if (tries > 100) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

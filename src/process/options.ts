// The options of a supervised child process, checked once when it is described, so that a
// mistake is a TypeError naming the fix at startup instead of a failure on the first request.
import { basename } from 'node:path'
import { describe, parseDuration } from '../parse/duration.ts'

export type LogStream = 'stdout' | 'stderr'

export interface ChildOptions {
  /** Shown in log prefixes and dashboards, e.g. "flask" (default: basename of command[0]). */
  name?: string
  /** argv; every "{port}" in it is replaced by the port (or socket path). */
  command: readonly string[]
  cwd?: string
  /** Added to process.env (undefined removes a variable); PORT is set to the port (or socket path). */
  env?: Record<string, string | undefined>
  /** 'auto' (default): a free loopback TCP port chosen per start; a number: that port;
   *  'socket': a Unix socket path in a private temp dir (removed on stop). */
  port?: 'auto' | number | 'socket'
  /** Path probed with GET over HTTP until ANY HTTP answer arrives (default '/'). */
  ready?: string
  /** How long each start may take to become ready (default 30 s), in ms or as '30s'. */
  readyTimeout?: number | string
  /** Between SIGTERM and SIGKILL on stop (default 5 s), in ms or as '5s'. */
  grace?: number | string
  /** Restart a child that exits unexpectedly (default true), with exponential backoff. */
  restart?: boolean
  /** Where output lines go; default: process.stdout/stderr, each line prefixed "[name] ". */
  log?: (line: string, stream: LogStream) => void
}

export interface ResolvedOptions {
  name: string
  command: string[]
  cwd: string | undefined
  env: Record<string, string | undefined>
  port: 'auto' | number | 'socket'
  ready: string
  readyTimeout: number
  grace: number
  restart: boolean
  log: (line: string, stream: LogStream) => void
}

const CONTEXT = 'spawn()'

function fail(message: string): never {
  throw new TypeError(`${CONTEXT}: ${message}`)
}

/** The options with defaults filled in, or a TypeError that says what to write instead. */
export function resolveOptions(options: ChildOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    fail(`expected an options object with a command, got ${describe(options)}`)
  }
  const { command } = options
  if (!Array.isArray(command) || command.length === 0 || command[0] === '') {
    fail(
      `command must be a non-empty argv array such as ['python3', '-m', 'flask', 'run', '--port', '{port}'], got ${describe(command)}`,
    )
  }
  for (const arg of command) {
    if (typeof arg !== 'string')
      fail(`every command argument must be a string, got ${describe(arg)}`)
  }
  const name = options.name ?? basename(command[0] as string)
  if (typeof name !== 'string' || name === '' || /[\r\n]/.test(name)) {
    fail(`name must be a non-empty string on one line, got ${describe(options.name)}`)
  }
  const port = options.port ?? 'auto'
  const validPort = typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536
  if (port !== 'auto' && port !== 'socket' && !validPort) {
    fail(`port must be 'auto', 'socket' or a TCP port from 1 to 65535, got ${describe(port)}`)
  }
  const ready = options.ready ?? '/'
  if (typeof ready !== 'string' || !ready.startsWith('/')) {
    fail(`ready must be a path starting with '/', such as '/health', got ${describe(ready)}`)
  }
  if (options.cwd !== undefined && typeof options.cwd !== 'string') {
    fail(`cwd must be a directory path, got ${describe(options.cwd)}`)
  }
  const env = options.env ?? {}
  if (env === null || typeof env !== 'object' || Array.isArray(env)) {
    fail(`env must be an object of strings, such as { FLASK_APP: 'app.py' }, got ${describe(env)}`)
  }
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && typeof value !== 'string') {
      fail(`env.${key} must be a string (or undefined to remove it), got ${describe(value)}`)
    }
  }
  if (options.restart !== undefined && typeof options.restart !== 'boolean') {
    fail(`restart must be true or false, got ${describe(options.restart)}`)
  }
  if (options.log !== undefined && typeof options.log !== 'function') {
    fail(`log must be a function (line, stream) => void, got ${describe(options.log)}`)
  }
  return {
    name,
    command: [...command],
    cwd: options.cwd,
    env: { ...env },
    port,
    ready,
    readyTimeout: parseDuration(options.readyTimeout ?? 30_000, 'readyTimeout', CONTEXT),
    grace: parseDuration(options.grace ?? 5_000, 'grace', CONTEXT),
    restart: options.restart ?? true,
    log: options.log ?? prefixedLog(name),
  }
}

/** The default log: each line on the parent's own stream, after the child's name. */
function prefixedLog(name: string): (line: string, stream: LogStream) => void {
  return (line, stream) => {
    const out = stream === 'stderr' ? process.stderr : process.stdout
    out.write(`[${name}] ${line}\n`)
  }
}

// The reloaders the bench compares, each run as a user runs it on a TypeScript app:
// `switchyard dev app.ts`, `node --import tsx --watch serve.ts`, nodemon executing
// `node --import tsx`, and `tsx watch`. nodemon is no dependency of the project: it is
// installed once into .cache/bench-reload.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
// An absolute loader URL, as the tests use, so it loads from any folder.
const TSX = import.meta.resolve('tsx')
const TSX_CLI = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')
const CACHE = join(ROOT, '.cache', 'bench-reload')
const NODEMON = join(CACHE, 'node_modules', 'nodemon', 'bin', 'nodemon.js')

export interface Tool {
  /** What --tools names it by. */
  key: string
  name: string
  /** The command and its arguments, run in the app's folder. */
  command(port: number): string[]
}

export const TOOLS: Tool[] = [
  {
    key: 'dev',
    name: 'switchyard dev',
    command: (port) => [
      process.execPath,
      '--import',
      TSX,
      join(ROOT, 'src', 'bin.ts'),
      'dev',
      'app.ts',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ],
  },
  {
    key: 'watch',
    name: 'node --watch',
    command: () => [process.execPath, '--import', TSX, '--watch', 'serve.ts'],
  },
  {
    key: 'nodemon',
    name: 'nodemon',
    command: () => [
      process.execPath,
      NODEMON,
      '--quiet',
      '--ext',
      'ts,json',
      '--exec',
      `${process.execPath} --import ${TSX}`,
      'serve.ts',
    ],
  },
  {
    key: 'tsx',
    name: 'tsx watch',
    command: () => [process.execPath, TSX_CLI, 'watch', '--clear-screen=false', 'serve.ts'],
  },
]

/** Installs nodemon into the bench's cache folder on first use. */
export function ensureNodemon(): void {
  if (existsSync(NODEMON)) return
  mkdirSync(CACHE, { recursive: true })
  console.log(`installing nodemon into ${CACHE} (once)`)
  execFileSync(
    'npm',
    ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', CACHE, 'nodemon'],
    {
      stdio: 'inherit',
    },
  )
}

export interface Running {
  child: ChildProcess
  /** The last few kilobytes it printed, to explain a failure. */
  output(): string
  stop(): Promise<void>
}

/** Starts a tool in its own process group, so stopping it stops what it started. */
export function run(tool: Tool, port: number, dir: string): Running {
  const [command, ...args] = tool.command(port) as [string, ...string[]]
  const child = spawn(command, args, {
    cwd: dir,
    detached: true,
    env: { ...process.env, PORT: String(port), NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-8000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name)
    } catch {}
  }
  return {
    child,
    output: () => text,
    async stop() {
      signal('SIGTERM')
      const timer = setTimeout(() => signal('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
      // What the group started may outlive its leader for a moment (nodemon's child).
      signal('SIGKILL')
    },
  }
}

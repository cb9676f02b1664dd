// Runs the real CLI as a child process and reads what it prints.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../src/bin.ts', import.meta.url))
// An absolute loader URL, so children started in any directory load TypeScript.
export const TSX = import.meta.resolve('tsx')

export interface Cli {
  child: ChildProcess
  output(): string
  /** Resolves with the first match of `pattern` in stdout+stderr. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  exit: Promise<number | null>
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Runs the CLI from source; with `bin`, that installed bin as a user runs it (no loader). */
export function startCli(args: string[], cwd: string, bin?: string): Cli {
  return bin === undefined
    ? startProcess(process.execPath, ['--import', TSX, BIN, ...args], cwd)
    : startProcess(bin, args, cwd)
}

/** Any child process whose output a test waits on; waiting fails once it has closed. */
export function startProcess(command: string, argv: string[], cwd: string): Cli {
  const child = spawn(command, argv, {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  let closed = false
  const waiters = new Set<() => void>()
  const append = (chunk: Buffer) => {
    text += chunk.toString()
    for (const wake of waiters) wake()
  }
  child.stdout?.on('data', append)
  child.stderr?.on('data', append)
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  // 'close' comes after the output is read to its end: nothing more can match then.
  child.once('close', () => {
    closed = true
    for (const wake of waiters) wake()
  })
  return {
    child,
    output: () => text,
    exit,
    // Generous: a process that ends without the line rejects at once ('close' below), so the
    // bound only meets one that is slow, as several dev servers with their spares starting at
    // once on two busy cores can be (15 s was seen to be too short there).
    waitFor(pattern, timeoutMs = 45_000) {
      return new Promise((resolve, reject) => {
        const done = () => {
          waiters.delete(check)
          clearTimeout(timer)
        }
        const check = () => {
          const match = text.match(pattern)
          if (match !== null) {
            done()
            resolve(match)
          } else if (closed) {
            done()
            reject(new Error(`the process ended before ${pattern}; output:\n${text}`))
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`timed out waiting for ${pattern}; output:\n${text}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      })
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exit
    },
  }
}

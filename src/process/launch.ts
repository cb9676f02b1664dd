// Starting one process of a child: its argv and env for the address, its own process group,
// its output to the log line by line, and a clear error when it cannot start at all.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { type ChildAddress, portText, substitute } from './address.ts'
import { eachLine } from './lines.ts'
import type { ResolvedOptions } from './options.ts'

/**
 * The started process, which has a pid; or undefined when it could not start, after which
 * `onFailure` gets an Error that names the command and the fix (spawn reports ENOENT later).
 */
export function launch(
  options: ResolvedOptions,
  address: ChildAddress,
  onFailure: (error: Error) => void,
): ChildProcess | undefined {
  const { command, cwd, env, log } = options
  const port = portText(address)
  const argv = substitute(command, port)
  const file = argv[0] as string
  let child: ChildProcess
  try {
    child = spawn(file, argv.slice(1), {
      cwd,
      env: { ...process.env, ...env, PORT: port },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, for stop() and the watchdog to signal all it starts.
      detached: true,
    })
  } catch (error) {
    // Synchronous failures: a NUL byte in an argument or in the env.
    queueMicrotask(() => onFailure(cannotStart(options, file, error as NodeJS.ErrnoException)))
    return undefined
  }
  if (child.pid === undefined) {
    child.once('error', (error) => onFailure(cannotStart(options, file, error)))
    return undefined
  }
  child.on('error', () => {}) // a failed kill(); the exit that follows is what counts
  if (child.stdout) eachLine(child.stdout, (line) => log(line, 'stdout'))
  if (child.stderr) eachLine(child.stderr, (line) => log(line, 'stderr'))
  return child
}

function cannotStart(options: ResolvedOptions, file: string, error: NodeJS.ErrnoException): Error {
  const { name, cwd } = options
  let why = error.code ?? error.message
  if (cwd !== undefined && !existsSync(cwd)) why = `its cwd ${JSON.stringify(cwd)} does not exist`
  else if (error.code === 'ENOENT') why = 'no such command (ENOENT): is it installed and on PATH?'
  else if (error.code === 'EACCES') why = 'permission denied (EACCES): is it executable?'
  return new Error(`${name}: cannot start ${JSON.stringify(file)}: ${why}`, { cause: error })
}

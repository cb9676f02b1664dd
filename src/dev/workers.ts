// Dev worker processes: start one, wait until it serves, retire it gracefully.
import { type ChildProcess, fork } from 'node:child_process'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DevChildren } from './children.ts'
import type { SupervisorMessage, WorkerMessage } from './worker.ts'

// The worker module next to this one, .ts when running from source and .js when built.
const WORKER = fileURLToPath(
  new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
)

export interface WorkerOptions {
  entry: string | undefined
  trustProxy: boolean
  inspect: boolean
}

export interface DevWorker {
  process: ChildProcess
  port: number
  /** The entry failed to load: the worker answers with the error page. */
  failed: boolean
  inspector: string | undefined
  /** Resolves when the process has exited. */
  exited: Promise<void>
}

/** Starts a worker; resolves once it listens, rejects if it dies before. */
export function startWorker(
  options: WorkerOptions,
  onFiles?: (files: string[]) => void,
  children?: DevChildren,
): Promise<DevWorker> {
  const child = fork(WORKER, [], {
    env: {
      ...process.env,
      SWITCHYARD_ENTRY: options.entry ?? '',
      SWITCHYARD_TRUST_PROXY: options.trustProxy ? '1' : '',
      // Framework instances install their dev error hooks (core/frameworks.ts).
      SWITCHYARD_DEV: '1',
    },
    execArgv: options.inspect ? [...process.execArgv, '--inspect=127.0.0.1:0'] : process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      children?.orphan(child)
      resolve()
    }),
  )
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`the dev worker exited (${code}) before it was ready`))
    child.once('exit', onExit)
    child.on('message', (message: WorkerMessage) => {
      if (children?.handle(message, child)) return
      if (message.type === 'files') return onFiles?.(message.files)
      if (message.type !== 'ready') return
      child.off('exit', onExit)
      resolve({
        process: child,
        port: message.port,
        failed: message.failed,
        inspector: message.inspector,
        exited,
      })
    })
  })
}

/** Lets the worker finish its in-flight requests and exit; kills it if it takes too long. */
export async function retireWorker(worker: DevWorker, timeoutMs = 10_000): Promise<void> {
  if (worker.process.connected)
    worker.process.send({ type: 'shutdown' } satisfies SupervisorMessage)
  const timer = setTimeout(() => worker.process.kill('SIGKILL'), timeoutMs)
  await worker.exited
  clearTimeout(timer)
}

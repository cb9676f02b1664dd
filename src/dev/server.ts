// `switchyard dev`: run_simple with a reloader. One listening socket, workers swapped
// behind it on every change, so no request is refused while the app reloads.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname } from 'node:path'
import { parseEntry } from '../server/load-app.ts'
import { bold, cyan, dim, green, red } from './color.ts'
import { proxyRequest, proxyUpgrade } from './proxy.ts'
import { watchTree } from './watch.ts'
import { type DevWorker, retireWorker, startWorker, type WorkerOptions } from './workers.ts'

export interface DevOptions extends WorkerOptions {
  port: number
  host: string
}

export interface DevServer {
  url: string
  server: Server
  close(): Promise<void>
}

export async function startDevServer(options: DevOptions): Promise<DevServer> {
  const entryFile = parseEntry(options.entry).file
  let current: Promise<DevWorker> = startWorker(options)
  let reloading: Promise<void> | undefined
  let again = false
  let closing = false

  const reload = async (file: string): Promise<void> => {
    const started = Date.now()
    try {
      const next = await startWorker(options)
      const previous = await current
      current = Promise.resolve(next)
      announce(
        next,
        `${cyan('↻')} reloaded after a change to ${file} ${dim(`(${Date.now() - started} ms)`)}`,
      )
      await retireWorker(previous)
    } catch (error) {
      console.error(red('✖ could not start a dev worker:'), (error as Error).message)
    }
  }
  const onChange = (file: string) => {
    if (closing) return
    if (reloading !== undefined) {
      again = true
      return
    }
    reloading = reload(file).finally(() => {
      reloading = undefined
      if (again) {
        again = false
        onChange(file)
      }
    })
  }

  // A worker that dies on its own (process.exit in the app, a crash) is replaced.
  const superviseExit = async () => {
    const worker = await current
    await worker.exited
    if (closing || (await current) !== worker) return
    console.error(red('✖ the dev worker exited; starting a new one'))
    current = startWorker(options)
    void superviseExit()
  }

  const first = await current
  void superviseExit()
  const server = createServer(proxyRequest(() => current))
  server.on(
    'upgrade',
    proxyUpgrade(() => current),
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, resolve)
  })
  const watcher = watchTree(dirname(entryFile), onChange)
  const { port } = server.address() as AddressInfo
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`
  console.log(`${bold('switchyard dev')} ${green(url)} ${dim(`(${entryFile}; reloads on change)`)}`)
  announce(first)

  return {
    url,
    server,
    async close() {
      closing = true
      watcher.close()
      await reloading
      const closed = new Promise((resolve) => server.close(resolve))
      server.closeIdleConnections()
      await retireWorker(await current)
      server.closeAllConnections()
      await closed
    },
  }
}

function announce(worker: DevWorker, line?: string): void {
  if (line !== undefined) console.log(line)
  if (worker.failed)
    console.log(
      red('  the app failed to load: every request shows the error until the next change'),
    )
  if (worker.inspector !== undefined) {
    const target = worker.inspector.replace('ws://', '')
    console.log(
      `  inspector: ${cyan(`devtools://devtools/bundled/js_app.html?experimental=true&v8only=true&ws=${target}`)}`,
    )
  }
}

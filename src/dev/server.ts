// `switchyard dev`: run_simple with a reloader. One listening socket, workers swapped
// behind it on every change, so no request is refused while the app reloads.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname } from 'node:path'
import type { Duplex } from 'node:stream'
import { afterEarlierAnswers } from '../invoke/upgrade-order.ts'
import { withLingeringClose } from '../server/linger.ts'
import { listen } from '../server/listen.ts'
import { parseEntry } from '../server/load-app.ts'
import {
  type AllowedHosts,
  type HostCheck,
  hostCheck,
  isLoopbackAddress,
  parseAllowedHosts,
  type Refusal,
  refuseRequest,
  refuseUpgrade,
} from './allowed-hosts.ts'
import { DevChildren } from './children.ts'
import { bold, cyan, dim, green, red, yellow } from './color.ts'
import {
  DASHBOARD_PATH,
  devDashboard,
  isDashboardRequest,
  refuseDashboardUpgrade,
} from './dashboard.ts'
import { compileGlob } from './glob.ts'
import { EVENTS_PATH, LiveReload } from './live.ts'
import { proxyRequest, proxyUpgrade } from './proxy.ts'
import { watchSources } from './watch.ts'
import { type DevWorker, DevWorkers, retireWorker, type WorkerOptions } from './workers.ts'

export interface DevOptions extends WorkerOptions {
  port: number
  host: string
  /**
   * Host names answered besides `localhost`, `*.localhost`, loopback addresses and the
   * addresses listened on (a leading `.` allows a domain and its subdomains), or `'all'`.
   * Any other Host gets 403 (DNS rebinding: the error pages show source code).
   */
  allowedHosts?: AllowedHosts
  /**
   * Also the app's own HTML pages reload after a rebuild (they are buffered to add the
   * script). Off by default: error pages reload themselves either way.
   */
  liveReload?: boolean
  /** More to watch: globs (`**`, `*`, `?`) from the working directory. */
  watch?: string[]
  /** Never reloads: globs, even for files the app imports. */
  ignore?: string[]
  /** Aborting it while the server starts stops the start: the returned promise rejects. */
  signal?: AbortSignal
}

export interface DevServer {
  url: string
  server: Server
  close(): Promise<void>
}

export async function startDevServer(options: DevOptions): Promise<DevServer> {
  const entryFile = parseEntry(options.entry).file
  const allowedHosts = parseAllowedHosts(options.allowedHosts ?? [])
  const live = new LiveReload()
  // Watching starts first: the first worker already reports what the app imports.
  const watcher = watchSources(dirname(entryFile), (file, files) => onChange(file, files), {
    watch: options.watch?.map((pattern) => compileGlob(pattern)),
    ignore: options.ignore?.map((pattern) => compileGlob(pattern)),
  })
  // Spawned apps' processes belong to the dev server, so they outlive reloads.
  const children = new DevChildren()
  // A spare worker waits ahead with Node and the TypeScript loader started.
  const workers = new DevWorkers(options, (files) => watcher.add(files), children)
  const start = () => workers.start()
  let current: Promise<DevWorker> = start()
  let reloading: Promise<void> | undefined
  let again = false
  let closing = false

  const reload = async (file: string): Promise<void> => {
    const started = Date.now()
    try {
      const next = await start()
      const previous = await current.catch(() => undefined)
      current = Promise.resolve(next)
      supervise(next)
      live.reload()
      announce(
        next,
        `${cyan('↻')} reloaded after a change to ${file} ${dim(`(${Date.now() - started} ms)`)}`,
      )
      if (previous !== undefined) await retireWorker(previous)
    } catch (error) {
      console.error(red('✖ could not start a dev worker:'), (error as Error).message)
    }
  }
  const onChange = (file: string, files: string[]) => {
    if (closing) return
    workers.changed(files)
    if (reloading !== undefined) {
      again = true
      return
    }
    reloading = reload(file).finally(() => {
      reloading = undefined
      if (again) {
        again = false
        onChange(file, [])
      }
    })
  }

  // A worker that dies on its own (process.exit in the app, a crash) while it is the current
  // one is replaced; one that dies before it is ready (process.exit at import) is tried
  // again after a pause. Meanwhile requests get the relay's 502, never a crash.
  const supervise = (worker: DevWorker) => {
    void worker.exited.then(async () => {
      if (closing || (await current.catch(() => undefined)) !== worker) return
      console.error(red('✖ the dev worker exited; starting a new one'))
      replace()
    })
  }
  const replace = () => {
    const next = start()
    current = next
    next.then(
      (worker) => {
        live.reload()
        supervise(worker)
      },
      () => {
        if (!closing) setTimeout(() => current === next && replace(), 1000).unref()
      },
    )
  }

  // Until the first worker is up, a signal stops everything started so far, and so does a
  // worker that cannot start: the command then exits instead of waiting on the watcher.
  const abort = () => workers.abort()
  options.signal?.addEventListener('abort', abort, { once: true })
  let first: DevWorker
  try {
    first = await current
  } catch (error) {
    closing = true
    workers.abort()
    await Promise.all([watcher.close(), children.close()])
    throw options.signal?.aborted ? new Error('stopped while starting') : error
  } finally {
    options.signal?.removeEventListener('abort', abort)
  }
  supervise(first)
  // The Host is checked here, before relaying: a refused request never reaches the worker.
  let check: HostCheck | undefined
  const refused = new Set<string>()
  const refusal = (req: IncomingMessage): Refusal | undefined => {
    check ??= hostCheck({
      allowedHosts,
      host: options.host,
      address: (server.address() as AddressInfo).address,
    })
    const answer = check(req)
    if (answer?.host !== undefined && refused.size < 100 && !refused.has(answer.host)) {
      refused.add(answer.host)
      const allow = `allow it with --allowed-hosts ${answer.host}`
      console.error(yellow(`⚠ refused Host "${answer.host}" (403); ${allow}`))
    }
    return answer
  }
  const relay = proxyRequest(() => current, options.liveReload === true)
  const relayUpgrade = proxyUpgrade(() => current)
  const dashboard = devDashboard(() => current)
  const server = createServer((req, res) => {
    const answer = refusal(req)
    if (answer !== undefined) refuseRequest(res, answer)
    else if (req.url === EVENTS_PATH) live.serve(req, res)
    else if (isDashboardRequest(req)) dashboard(req, res)
    else void relay(req, res)
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removed its 'error' listener: a reset while earlier answers go out must not crash.
    socket.on('error', () => socket.destroy())
    afterEarlierAnswers(socket, head, (early) => {
      const answer = refusal(req)
      if (answer !== undefined) refuseUpgrade(socket, answer)
      else if (isDashboardRequest(req)) refuseDashboardUpgrade(socket)
      else void relayUpgrade(req, socket, early)
    })
  })
  try {
    await listen(withLingeringClose(server), options.port, options.host)
  } catch (error) {
    // Nothing will ever reach the worker: let it go, so the command can exit.
    closing = true
    await Promise.all([retireWorker(first), workers.close(), watcher.close()])
    await children.close()
    throw error
  }
  const { port, address } = server.address() as AddressInfo
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`
  console.log(
    `${bold('switchyard dev')} ${green(url)} ${dim(`(${entryFile}; reloads on change)`)} ${dim('·')} dashboard ${cyan(url + DASHBOARD_PATH)}`,
  )
  if (!isLoopbackAddress(address))
    console.log(
      yellow(
        `⚠ listening on ${address}, reachable from other machines: the error pages show source code to anyone who can reach port ${port}`,
      ),
    )
  if (allowedHosts === 'all')
    console.log(
      yellow(
        '⚠ --allowed-hosts all: any web page whose name resolves here can read the error pages',
      ),
    )
  announce(first)

  return {
    url,
    server,
    async close() {
      closing = true
      await watcher.close()
      await reloading
      const closed = new Promise((resolve) => server.close(resolve))
      server.closeIdleConnections()
      live.close()
      const last = await current.catch(() => undefined)
      await Promise.all([last !== undefined && retireWorker(last), workers.close()])
      server.closeAllConnections()
      await Promise.all([closed, children.close()])
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

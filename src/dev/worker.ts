// A dev worker: loads the entry in a fresh process and serves it on a loopback port for
// the supervisor, which proxies to it. If the entry fails to load, the worker serves the
// error page for every request instead, until the next change replaces it. It starts as a
// spare: everything but the entry is loaded ahead, and the supervisor says when to load it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { url as inspectorUrl } from 'node:inspector'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { forLog } from '../core/errors.ts'
import { isDispatcher } from '../core/leaf.ts'
import type { App } from '../core/types.ts'
import { toNodeListener } from '../entry/node.ts'
import { toUpgradeListener } from '../entry/upgrade.ts'
import { answerMetricsRequests } from '../metrics/channel.ts'
import { RecentRequests } from '../metrics/recent.ts'
import { withLingeringClose } from '../server/linger.ts'
import { loadEntry, parseEntry } from '../server/load-app.ts'
import { logRequest } from './access-log.ts'
import { red } from './color.ts'
import { renderDevError } from './error-page.ts'
import { surfaceFrameworkErrors } from './framework-errors.ts'
import { recordImports } from './module-graph.ts'

/** What the supervisor hears from a worker (spawned apps' messages: process/remote-child.ts). */
export type WorkerMessage =
  /** Started, waiting for `load`. */
  | { type: 'warm' }
  /** The entry is loaded (or failed to: the error page) and served on `port`. */
  | { type: 'ready'; port: number; failed: boolean; inspector?: string }
  /** Files the app imported, to watch besides the entry's folder. */
  | { type: 'files'; files: string[] }
  | { type: 'closed' }

/** What a worker hears from the supervisor. */
export type SupervisorMessage =
  /** Load the entry now and serve it. */
  | { type: 'load' }
  /** Finish the requests in flight and exit (a spare exits at once). */
  | { type: 'shutdown' }

const send = (message: WorkerMessage) => process.send?.(message)
const TYPESCRIPT = /\.[cm]?tsx?$/
const WARM_LIMIT_MS = 3000
const require = createRequire(import.meta.url)

// Upgraded (WebSocket) sockets are no longer the HTTP server's: closing it would wait for
// them, and a retired worker must not linger until it is killed.
const upgraded = new Set<Duplex>()
// The dashboard's latest requests: this worker's, so a reload starts the list over.
const recent = new RecentRequests(200)

// Set once the entry is loaded and served: what a shutdown closes.
let serving: { server: Server; app: unknown } | undefined

/**
 * A spare until told to load: Node, the TypeScript loader and this module's imports start
 * ahead. Returns what reports the app's imports once it is loaded.
 */
async function warmUp(spec: string | undefined): Promise<() => void> {
  const told = new Promise<void>((resolve) => {
    process.on('message', (message: SupervisorMessage) => {
      if (message?.type === 'load') resolve()
      else if (message?.type === 'shutdown') {
        if (serving === undefined) process.exit(0)
        else void shutdown(serving.server, serving.app)
      }
    })
  })
  // The supervisor gone means nobody can reach this worker any more.
  process.on('disconnect', () => process.exit(0))
  // Only a head start, for a spare: never let it hold the worker (the app's import warms
  // it anyway, and a worker told to load at once would only wait for it).
  if (process.env.SWITCHYARD_SPARE === '1' && TYPESCRIPT.test(entryFileOf(spec) ?? '')) {
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, WARM_LIMIT_MS)
    })
    await Promise.race([warmTypeScript().catch(() => {}), late])
    clearTimeout(timer)
  }
  // Last: what it resolves from here on is the app's.
  const loaded = recordImports((files) => send({ type: 'files', files }))
  send({ type: 'warm' })
  await told
  return loaded
}

/**
 * Starts the TypeScript loader's transformer (esbuild, once for ES modules and once for
 * CommonJS) on a throwaway module of each kind, new each time so that no cache answers it:
 * otherwise the first changed file of the reload pays 70–120 ms for it. Without a loader
 * yet (the built CLI), registers tsx's as loading the entry would (load-app.ts).
 */
async function warmTypeScript(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-warm-'))
  // A spare told to shut down while it warms exits at once, past the finally below.
  const removeDir = () => rmSync(dir, { recursive: true, force: true })
  process.once('exit', removeDir)
  try {
    for (const kind of ['mts', 'cts']) {
      const file = join(dir, `warm.${kind}`)
      writeFileSync(file, `export const warm: string = '${process.pid} ${Date.now()}'\n`)
      await import(pathToFileURL(file).href).catch(async (error) => {
        if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error
        const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')])
        esm.register()
        cjs.register()
        return import(pathToFileURL(file).href)
      })
      // Not the app's: the module graph reads the CommonJS cache.
      delete require.cache[file]
    }
  } finally {
    process.off('exit', removeDir)
    removeDir()
  }
}

function entryFileOf(spec: string | undefined): string | undefined {
  try {
    return parseEntry(spec).file
  } catch {
    return undefined
  }
}

async function start(): Promise<void> {
  // Empty when no entry was given: the default entries are tried.
  const spec = process.env.SWITCHYARD_ENTRY || undefined
  const trustProxy = process.env.SWITCHYARD_TRUST_PROXY === '1'
  let app: unknown
  let server: Server
  let entryFile: string | undefined
  const loaded = await warmUp(spec)
  try {
    const entry = parseEntry(spec)
    entryFile = entry.file
    app = await loadEntry(entry)
    const listener = toNodeListener(app as never, {
      trustProxy,
      renderError: renderDevError,
      prepareLeaf: surfaceFrameworkErrors(),
      onError: (error, context) =>
        console.error(red(`✖ ${context.method} ${context.url}`), forLog(error)),
    })
    server = createServer((req, res) => {
      logRequest(req, res, { recent })
      listener(req, res)
    })
    const upgrade = toUpgradeListener(app as never, { trustProxy })
    server.on('upgrade', (req, socket, head) => {
      upgraded.add(socket)
      socket.once('close', () => upgraded.delete(socket))
      upgrade(req, socket, head)
    })
  } catch (error) {
    console.error(red(`✖ ${spec ?? 'the entry'} failed to load:`), error)
    server = createServer((req, res) => {
      logRequest(req, res, { recent })
      renderDevError(
        error,
        { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers },
        500,
      ).then(({ body, type }) => {
        res.writeHead(500, { 'content-type': type })
        res.end(body)
      })
    })
    app = undefined
  }
  // The entry itself too: if it failed to load, saving it fixed must reload.
  if (entryFile !== undefined) send({ type: 'files', files: [entryFile] })
  loaded()
  withLingeringClose(server)
  serving = { server, app }
  server.listen(0, '127.0.0.1', async () => {
    send({
      type: 'ready',
      port: (server.address() as AddressInfo).port,
      failed: app === undefined,
      inspector: inspectorUrl(),
    })
  })
  // The dashboard asks through the dev server: counts, instances, the latest requests.
  answerMetricsRequests(() => app as App | undefined, process, { requests: () => recent.list() })
}

/** Finishes in-flight requests, disposes lazy instances, then exits. */
async function shutdown(server: Server, app: unknown): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve))
  server.closeIdleConnections()
  for (const socket of upgraded) socket.end()
  const bound = setTimeout(() => {
    server.closeAllConnections()
    for (const socket of upgraded) socket.destroy()
  }, 5000)
  await closed
  clearTimeout(bound)
  if (isDispatcher(app)) await app.close()
  send({ type: 'closed' })
  process.exit(0)
}

await start()

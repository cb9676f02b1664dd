// A dev worker: loads the entry in a fresh process and serves it on a loopback port for
// the supervisor, which proxies to it. If the entry fails to load, the worker serves the
// error page for every request instead, until the next change replaces it.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { isDispatcher } from '../core/leaf.ts'
import type { App } from '../core/types.ts'
import { toNodeListener } from '../entry/node.ts'
import { toUpgradeListener } from '../entry/upgrade.ts'
import { answerMetricsRequests } from '../metrics/channel.ts'
import { RecentRequests } from '../metrics/recent.ts'
import { loadEntry, parseEntry } from '../server/load-app.ts'
import { logRequest } from './access-log.ts'
import { red } from './color.ts'
import { renderDevError } from './error-page.ts'
import { surfaceFrameworkErrors } from './framework-errors.ts'
import { recordImports } from './module-graph.ts'

/** What the supervisor hears from a worker. */
export type WorkerMessage =
  | { type: 'ready'; port: number; failed: boolean; inspector?: string }
  /** Files the app imported, to watch besides the entry's folder. */
  | { type: 'files'; files: string[] }
  | { type: 'closed' }

/** What a worker hears from the supervisor. */
export type SupervisorMessage = { type: 'shutdown' }

const send = (message: WorkerMessage) => process.send?.(message)

// Upgraded (WebSocket) sockets are no longer the HTTP server's: closing it would wait for
// them, and a retired worker must not linger until it is killed.
const upgraded = new Set<Duplex>()
// The dashboard's latest requests: this worker's, so a reload starts the list over.
const recent = new RecentRequests(200)

async function start(): Promise<void> {
  const spec = process.env.SWITCHYARD_ENTRY
  const trustProxy = process.env.SWITCHYARD_TRUST_PROXY === '1'
  let app: unknown
  let server: Server
  let entryFile: string | undefined
  const loaded = recordImports((files) => send({ type: 'files', files }))
  try {
    const entry = parseEntry(spec)
    entryFile = entry.file
    app = await loadEntry(entry)
    const listener = toNodeListener(app as never, {
      trustProxy,
      renderError: renderDevError,
      prepareLeaf: surfaceFrameworkErrors(),
      onError: (error, context) => console.error(red(`✖ ${context.method} ${context.url}`), error),
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
  server.listen(0, '127.0.0.1', async () => {
    const { url } = await import('node:inspector')
    send({
      type: 'ready',
      port: (server.address() as AddressInfo).port,
      failed: app === undefined,
      inspector: url(),
    })
  })
  // The dashboard asks through the dev server: counts, instances, the latest requests.
  answerMetricsRequests(() => app as App | undefined, process, { requests: () => recent.list() })
  process.on('message', (message: SupervisorMessage) => {
    if (message?.type === 'shutdown') void shutdown(server, app)
  })
  // The supervisor gone means nobody can reach this worker any more.
  process.on('disconnect', () => process.exit(0))
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

// A `switchyard serve --workers N` worker: loads the app and serves it, on the port shared
// through node:cluster or, with host affinity, on the connections the primary hands over.
import cluster from 'node:cluster'
import type { App } from '../core/types.ts'
import { acceptHandedConnections } from './affinity-worker.ts'
import { type Affinity, ignore, kind, log, READY, SHUTDOWN } from './cluster-messages.ts'
import { type BuiltServer, buildServer, type ServeOptions, serve } from './serve.ts'
import { exitSoon } from './shutdown.ts'

/**
 * A worker's life: load the app, serve it, report to the primary, close when asked (or on
 * SIGTERM/SIGINT), leave. Resolves to the exit code; a load failure rejects.
 */
export async function serveWorker(
  load: () => Promise<App>,
  options: ServeOptions & { affinity?: Affinity },
): Promise<number> {
  // SIGHUP is the primary's (rolling restart); one sent to the whole group must not kill us.
  process.on('SIGHUP', ignore)
  // Listen before loading: a shutdown asked for while we boot must not be lost.
  const asked = new Promise<void>((resolve) => {
    const onMessage = (message: unknown) => {
      if (kind(message) !== SHUTDOWN) return
      process.off('message', onMessage)
      resolve()
    }
    process.on('message', onMessage)
  })
  try {
    const { affinity, ...serveOptions } = options
    const app = await load()
    let running: BuiltServer
    if (affinity === 'host') {
      let ended: (timeout: number) => Promise<void> = async () => {}
      running = buildServer(app, { ...serveOptions, signals: true }, (t) => ended(t))
      ended = acceptHandedConnections(running.server)
      process.send?.({ switchyard: READY })
    } else {
      const listening = await serve(app, { ...serveOptions, signals: true })
      process.send?.({ switchyard: READY, url: listening.url })
      running = listening
    }
    // close() does not fail in practice: dispose errors go to the app's error reporting.
    asked.then(running.close).catch((error: unknown) => log(`shutdown failed: ${error}`))
    await running.closed
    return 0
  } finally {
    // The IPC channel would keep this process alive.
    cluster.worker?.disconnect()
    exitSoon()
  }
}

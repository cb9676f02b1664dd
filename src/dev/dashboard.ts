// The dashboard on the dev server's own port: everything under /__switchyard/ is answered
// here and never reaches the app. The counts, instances and latest requests are the current
// worker's, asked over its IPC channel, so after a reload they start over.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { dashboardHandler } from '../metrics/dashboard.ts'
import { workersDashboardSource } from '../metrics/dashboard-source.ts'
import { BadPath, parseTarget } from '../parse/path.ts'
import type { DevWorker } from './workers.ts'

export const DASHBOARD_PATH = '/__switchyard/'

/** The path as dispatch sees it (normalized), so no spelling of it reaches the app. */
export function isDashboardRequest(req: IncomingMessage): boolean {
  const target = parseTarget(req.url ?? '/')
  if (target instanceof BadPath) return false
  return target.path === DASHBOARD_PATH.slice(0, -1) || target.path.startsWith(DASHBOARD_PATH)
}

export function devDashboard(
  current: () => Promise<DevWorker>,
): (req: IncomingMessage, res: ServerResponse) => void {
  const source = workersDashboardSource(async () => {
    const worker = await current()
    return [{ pid: worker.process.pid, port: worker.process }]
  })
  return dashboardHandler(source, { base: DASHBOARD_PATH })
}

/** The dashboard takes no upgrades, and the app never sees one under its path either. */
export function refuseDashboardUpgrade(socket: Duplex): void {
  // Node removed its own 'error' listener at the upgrade: a client's reset must not crash
  // the dev server; and once answered, the socket is closed, half-open client or not.
  socket.on('error', () => socket.destroy())
  socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () =>
    socket.destroy(),
  )
}

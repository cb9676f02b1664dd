// Where a dashboard reads from: the app in this process, or serving processes over IPC
// (a dev worker, cluster workers), each asked on its own so one that hangs shows as such.
import type { App } from '../core/types.ts'
import { askWorker, type IpcPort } from './channel.ts'
import type { DashboardSource } from './dashboard.ts'
import type { ProcessReport } from './dashboard-state.ts'
import { mergeRecent, type RecentRequests } from './recent.ts'
import { invalidate, readMetrics } from './snapshot.ts'

export interface SourceOptions {
  /** No invalidation from the dashboard. */
  readOnly?: boolean
}

/** The app in this process (`serve` with one worker); `recent` feeds the access log. */
export function localDashboardSource(
  app: App,
  recent?: RecentRequests,
  options: SourceOptions = {},
): DashboardSource {
  const source: DashboardSource = {
    snapshots: async () => [readMetrics(app)],
    requests: async () => recent?.list() ?? [],
  }
  if (options.readOnly !== true) {
    source.invalidate = async (pid, id, key) => {
      if (pid !== process.pid) throw new Error(`no serving process ${pid}`)
      return invalidate(app, id, key)
    }
  }
  return source
}

/** A serving process the supervisor can ask: its pid and its IPC endpoint. */
export interface WorkerPort {
  pid: number | undefined
  port: IpcPort
}

export interface WorkersSourceOptions extends SourceOptions {
  /** How long each worker may take to answer (ms). */
  timeout?: number
}

/**
 * Processes that run `answerMetricsRequests()`, as listed by `workers` now (cluster
 * workers: `{ pid: w.process.pid, port: w }`; a dev worker: `{ pid: child.pid, port: child }`).
 */
export function workersDashboardSource(
  workers: () => WorkerPort[] | Promise<WorkerPort[]>,
  options: WorkersSourceOptions = {},
): DashboardSource {
  const timeout = options.timeout ?? 2000
  const source: DashboardSource = {
    async snapshots() {
      const ports = await workers()
      return Promise.all(
        ports.map(
          ({ pid, port }): Promise<ProcessReport> =>
            askWorker(port, { op: 'snapshot' }, timeout).catch((error: Error) => ({
              pid,
              error: error.message,
            })),
        ),
      )
    },
    async requests() {
      const ports = await workers()
      const lists = await Promise.all(
        ports.map(({ port }) => askWorker(port, { op: 'requests' }, timeout).catch(() => [])),
      )
      return mergeRecent(lists)
    },
  }
  if (options.readOnly !== true) {
    source.invalidate = async (pid, id, key) => {
      const worker = (await workers()).find((candidate) => candidate.pid === pid)
      if (worker === undefined) throw new Error(`process ${pid} is no longer serving; reload`)
      return askWorker(worker.port, { op: 'invalidate', id, key }, timeout)
    }
  }
  return source
}

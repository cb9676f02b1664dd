// The workers' Prometheus metrics summed in the cluster primary, over switchyard's own IPC
// channel (not prom-client's cluster messages, which another copy of prom-client in the
// app would answer too). Each worker is asked with its own bound: one that is booting,
// busy or just gone is counted by its last reply. The counts of workers that have gone are
// kept, so a sum of counters never decreases while the primary lives.
import { AggregatorRegistry, type Registry } from 'prom-client'
import { askWorker } from '../metrics/channel.ts'
import type { WorkerPort } from '../metrics/dashboard-source.ts'

type Families = Awaited<ReturnType<Registry['getMetricsAsJSON']>>

/** How long one worker may take to answer a scrape, in ms. */
const BOUND = 1000

export class WorkerSums {
  /** Each worker's last reply, by pid. */
  readonly #last = new Map<number, Families>()
  /** The counters and histograms of workers that have gone, summed. */
  #gone: Families = []

  /** Prometheus text: the sum over `workers` (and over the workers gone before them). */
  async text(workers: WorkerPort[]): Promise<string> {
    const replies = await Promise.all(
      workers.map(async ({ pid, port }) => {
        const reply = await askWorker(port, { op: 'prometheus' }, BOUND).catch(() => undefined)
        return [pid, reply as Families | undefined] as const
      }),
    )
    const serving = new Set(workers.map(({ pid }) => pid))
    for (const [pid, families] of this.#last) {
      if (serving.has(pid)) continue
      this.#last.delete(pid)
      // Gauges (live instances) end with their worker; counts do not.
      const counts = families.filter((family) => String(family.type) !== 'gauge')
      this.#gone = await AggregatorRegistry.aggregate([this.#gone, counts]).getMetricsAsJSON()
    }
    for (const [pid, families] of replies) {
      if (pid !== undefined && families !== undefined) this.#last.set(pid, families)
    }
    return AggregatorRegistry.aggregate([this.#gone, ...this.#last.values()]).metrics()
  }
}

// Request loops for the deploy test: GETs over the tenants, each on a fresh connection,
// every answer checked against the Host it was sent for.
import { getHost } from './http.ts'

export interface LoopResult {
  ok: number
  failures: string[]
  /** The slowest answer, in ms (a failover shows here). */
  slowest: number
  /** Which `switchyard serve` processes answered each host. */
  served: Map<string, Set<string>>
}

/** `concurrency` loops over `hosts` until stop() is called. */
export function requestLoop(port: number, hosts: string[], concurrency: number) {
  const result: LoopResult = { ok: 0, failures: [], slowest: 0, served: new Map() }
  let stopped = false
  const loop = async (offset: number) => {
    for (let i = offset; !stopped; i += concurrency) {
      const host = hosts[i % hosts.length] as string
      const start = performance.now()
      try {
        const reply = await getHost(port, host)
        result.slowest = Math.max(result.slowest, performance.now() - start)
        if (reply.status === 200 && reply.key === host.split('.')[0]) {
          result.ok++
          result.served.set(host, (result.served.get(host) ?? new Set()).add(reply.serve))
        } else result.failures.push(`${host}: ${reply.status} ${reply.body.slice(0, 80)}`)
      } catch (error) {
        result.failures.push(`${host}: ${(error as Error).message}`)
      }
    }
  }
  const loops = Array.from({ length: concurrency }, (_, i) => loop(i))
  return {
    result,
    async stop(): Promise<LoopResult> {
      stopped = true
      await Promise.all(loops)
      return result
    },
  }
}

/** Each host's answers, `rounds` requests each, `concurrency` at a time. */
export async function survey(port: number, hosts: string[], rounds: number, concurrency = 16) {
  const jobs = hosts.flatMap((host) => Array.from({ length: rounds }, () => host))
  const serve = new Map<string, Set<string>>()
  const workers = new Map<string, Set<string>>()
  let next = 0
  const failures: string[] = []
  const run = async () => {
    while (next < jobs.length) {
      const host = jobs[next++] as string
      const reply = await getHost(port, host).catch((error: Error) => error)
      if (reply instanceof Error || reply.status !== 200) {
        failures.push(`${host}: ${reply instanceof Error ? reply.message : reply.status}`)
        continue
      }
      serve.set(host, (serve.get(host) ?? new Set()).add(reply.serve))
      workers.set(host, (workers.get(host) ?? new Set()).add(reply.pid))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, run))
  return { serve, workers, failures }
}

/** The one value of each set (throws on a host answered by several). */
export function only(map: Map<string, Set<string>>): Map<string, string> {
  return new Map(
    [...map].map(([host, set]) => {
      if (set.size !== 1) throw new Error(`${host} answered by ${[...set].join(', ')}`)
      return [host, [...set][0] as string]
    }),
  )
}

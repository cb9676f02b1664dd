// The request loop kept going through every reload: one client on a keep-alive connection
// and one opening a new connection per request, each asking GET / about every 5 ms. It
// counts what a user would see fail (a refused or reset connection, a non-2xx answer) and
// tells a watcher the time each answer arrived with its body.
import { Agent, request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

const PAUSE_MS = 5

export interface LoopStats {
  requests: number
  /** Refused or reset connections and non-2xx answers. */
  refused: number
  /** A few of the failures, to tell them apart. */
  samples: string[]
}

export interface RequestLoop {
  stats: LoopStats
  /** Called with each answer's body and the time (performance.now()) it ended. */
  onAnswer: ((body: string, at: number) => void) | undefined
  stop(): Promise<void>
}

function get(port: number, agent: Agent | false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')))
    req.on('error', reject)
    req.end()
  })
}

export function startLoop(port: number): RequestLoop {
  const stats: LoopStats = { requests: 0, refused: 0, samples: [] }
  let running = true
  const fail = (what: string) => {
    stats.refused++
    if (stats.samples.length < 5) stats.samples.push(what)
  }
  const loop: RequestLoop = {
    stats,
    onAnswer: undefined,
    async stop() {
      running = false
      await Promise.all(clients)
      keepAlive.destroy()
    },
  }
  const client = async (agent: Agent | false) => {
    while (running) {
      try {
        const { status, body } = await get(port, agent)
        const at = performance.now()
        stats.requests++
        if (status < 200 || status > 299) fail(`${status}`)
        loop.onAnswer?.(body, at)
      } catch (error) {
        stats.requests++
        fail((error as NodeJS.ErrnoException).code ?? (error as Error).message)
      }
      await sleep(PAUSE_MS)
    }
  }
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 })
  const clients = [client(keepAlive), client(false)]
  return loop
}

/** Asks until an answer contains `marker` (the app is up); false after `timeoutMs`. */
export async function waitForMarker(
  port: number,
  marker: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const answer = await get(port, false).catch(() => undefined)
    if (answer?.body.includes(marker)) return true
    await sleep(50)
  }
  return false
}

// WebSocket echo, direct against through proxies: N sockets to each URL, each sending its next
// message as soon as the last came back. As in the paired rounds, the sets take turns in
// short segments (A B C C B A A B C …: each set as often early as late), only one set
// sending at a time, so all see the same drift of this shared machine; messages/s of each
// set over its own turns, and the CPU time its proxy process spent in them.
import { WebSocket } from 'ws'

export interface EchoSide {
  name: string
  url: string
  /** CPU time of the process in the path (µs so far), when there is one to read. */
  cpu?: () => Promise<number>
}

export interface EchoResult {
  sockets: number
  /** Seconds measured per side. */
  seconds: number
  /** Per side: echoed messages per second; µs of its process's CPU per message. */
  sides: Array<{ name: string; rate: number; cpuPerMessage?: number }>
}

interface Set {
  side: EchoSide
  sockets: Array<{ ws: WebSocket; waiting: boolean }>
  received: number
  counted: number
  ms: number
  cpu: number
}

const MESSAGE = 'x'.repeat(32)

async function open(side: EchoSide, n: number, active: () => Set | undefined): Promise<Set> {
  const set: Set = { side, sockets: [], received: 0, counted: 0, ms: 0, cpu: 0 }
  await Promise.all(
    Array.from({ length: n }, async () => {
      const ws = new WebSocket(side.url, { perMessageDeflate: false })
      const socket = { ws, waiting: false }
      ws.on('message', () => {
        socket.waiting = false
        set.received++
        if (active() === set) send(socket)
      })
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
      set.sockets.push(socket)
    }),
  )
  return set
}

function send(socket: { ws: WebSocket; waiting: boolean }): void {
  socket.waiting = true
  socket.ws.send(MESSAGE)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `segments` turns of `ms` each after a warm-up turn of each side; N sockets per side. */
export async function echo(
  sides: EchoSide[],
  settings: { sockets: number; segments: number; ms: number },
): Promise<EchoResult> {
  let active: Set | undefined
  const sets: Set[] = []
  for (const side of sides) sets.push(await open(side, settings.sockets, () => active))
  const turn = async (set: Set, ms: number, measured: boolean) => {
    const cpu = measured ? await set.side.cpu?.() : undefined
    const before = set.received
    active = set
    for (const socket of set.sockets) if (!socket.waiting) send(socket)
    const start = performance.now()
    await sleep(ms)
    active = undefined
    if (!measured) return
    set.ms += performance.now() - start
    // Echoes still in flight when the turn ends are not counted; neither is their CPU time.
    set.counted += set.received - before
    if (cpu !== undefined) set.cpu += ((await set.side.cpu?.()) as number) - cpu
  }
  try {
    for (const set of [...sets, ...sets]) await turn(set, 250, false)
    const n = sets.length
    for (let k = 0; k < settings.segments; k++) {
      const i = k % n
      await turn(sets[Math.floor(k / n) % 2 === 0 ? i : n - 1 - i] as Set, settings.ms, true)
    }
  } finally {
    for (const set of sets) for (const { ws } of set.sockets) ws.terminate()
  }
  return {
    sockets: settings.sockets,
    seconds: (sets[0]?.ms ?? 0) / 1000,
    sides: sets.map((set) => ({
      name: set.side.name,
      rate: (set.counted / set.ms) * 1000,
      ...(set.side.cpu === undefined ? {} : { cpuPerMessage: set.cpu / set.counted }),
    })),
  }
}

// WebSocket echo, direct against through a proxy: N sockets to each, each sending its next
// message as soon as the last came back. As in the paired rounds, the two sets take turns in
// short segments in Thue–Morse order (A B B A B A A B), only one set sending at a time, so
// both see the same drift of this shared machine; messages/s of each set over its own time.
import { WebSocket } from 'ws'

export interface EchoResult {
  sockets: number
  /** Seconds measured per side. */
  seconds: number
  /** Echoed messages per second, directly to the ws server and through the proxy. */
  direct: number
  proxied: number
}

interface Side {
  sockets: Array<{ ws: WebSocket; waiting: boolean }>
  received: number
  ms: number
}

const MESSAGE = 'x'.repeat(32)

async function open(url: string, n: number, active: () => Side | undefined): Promise<Side> {
  const side: Side = { sockets: [], received: 0, ms: 0 }
  await Promise.all(
    Array.from({ length: n }, async () => {
      const ws = new WebSocket(url, { perMessageDeflate: false })
      const socket = { ws, waiting: false }
      ws.on('message', () => {
        socket.waiting = false
        side.received++
        if (active() === side) send(socket)
      })
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
      side.sockets.push(socket)
    }),
  )
  return side
}

function send(socket: { ws: WebSocket; waiting: boolean }): void {
  socket.waiting = true
  socket.ws.send(MESSAGE)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `segments` turns of `ms` each after a warm-up of each side; N sockets per side. */
export async function echo(
  direct: string,
  proxied: string,
  settings: { sockets: number; segments: number; ms: number },
): Promise<EchoResult> {
  let active: Side | undefined
  const sides = [
    await open(direct, settings.sockets, () => active),
    await open(proxied, settings.sockets, () => active),
  ] as [Side, Side]
  const turn = async (side: Side, ms: number) => {
    active = side
    for (const socket of side.sockets) if (!socket.waiting) send(socket)
    const start = performance.now()
    await sleep(ms)
    return performance.now() - start
  }
  let counted: number[]
  try {
    for (const side of [...sides, ...sides]) await turn(side, 500)
    // Echoes of a turn still in flight when it ends count for their side: a few dozen.
    const before = sides.map((side) => side.received)
    for (let k = 0; k < settings.segments; k++) {
      const side = sides[popcount(k) & 1] as Side
      side.ms += await turn(side, settings.ms)
    }
    counted = sides.map((side, i) => side.received - (before[i] as number))
  } finally {
    active = undefined
    for (const side of sides) for (const { ws } of side.sockets) ws.terminate()
  }
  const rate = (i: number) => ((counted[i] as number) / (sides[i] as Side).ms) * 1000
  return {
    sockets: settings.sockets,
    seconds: sides[0].ms / 1000,
    direct: rate(0),
    proxied: rate(1),
  }
}

function popcount(n: number): number {
  let bits = 0
  for (let k = n; k > 0; k >>= 1) bits += k & 1
  return bits
}

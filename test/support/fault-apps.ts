// Apps that fail in every way a leaf can, for test/faults.test.ts. Each reports what happened
// to it on `probe`, so a test can wait for "the app saw the abort" instead of sleeping.
import { EventEmitter, once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Dispatcher, fetchApp, mount, node } from '../../src/index.ts'

export const probe = new EventEmitter()

/** Resolves with the event's arguments, or rejects after `ms`. */
export function seen(event: string, ms = 2000): Promise<unknown[]> {
  return once(probe, event, { signal: AbortSignal.timeout(ms) })
}

const enc = new TextEncoder()

/** A body that sends `partial`, then fails. */
function failingStream(atOnce: boolean): ReadableStream<Uint8Array> {
  let sent = false
  return new ReadableStream({
    async pull(controller) {
      if (atOnce || sent) {
        await sleep(5)
        controller.error(new Error('body stream failed'))
      } else {
        sent = true
        controller.enqueue(enc.encode('partial'))
      }
    },
  })
}

/** A body that never ends on its own: a chunk every 10 ms until cancelled. */
function endlessStream(name: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      await sleep(10)
      controller.enqueue(enc.encode('tick\n'))
    },
    cancel() {
      probe.emit(`${name} cancelled`)
    },
  })
}

export function faultyLeaves(): Dispatcher {
  return mount(
    node((_req, res) => res.end('ok')),
    {
      '/node/throw': node(() => {
        throw new Error('node leaf throws')
      }),
      '/node/reject': node(async () => {
        await sleep(1)
        throw new Error('node leaf rejects')
      }),
      '/node/after-headers': node((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('partial')
        throw new Error('node leaf throws after headers')
      }),
      '/node/destroy': node((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('partial', () => res.destroy())
      }),
      '/fetch/throw': fetchApp(() => {
        throw new Error('fetch leaf throws')
      }),
      '/fetch/reject': fetchApp(async () => {
        await sleep(1)
        throw new Error('fetch leaf rejects')
      }),
      '/fetch/not-a-response': fetchApp(() => ({ status: 200 }) as unknown as Response),
      '/fetch/stream-error': fetchApp(() => new Response(failingStream(false))),
      '/fetch/stream-error-at-once': fetchApp(() => new Response(failingStream(true))),
      '/node/upload': node((req, res) => {
        req.once('data', () => probe.emit('node upload started'))
        req.on('error', () => {})
        res.once('close', () => probe.emit('node upload closed', req.complete))
        req.on('end', () => res.end('received'))
      }),
      '/fetch/upload': fetchApp(async (request) => {
        request.signal.addEventListener('abort', () => probe.emit('fetch upload aborted'))
        const reader = (request.body as ReadableStream<Uint8Array>).getReader()
        await reader.read()
        probe.emit('fetch upload started')
        // Reading on fails once the client is gone; the rejection goes to the error funnel.
        for (;;) if ((await reader.read()).done) return new Response('received')
      }),
      '/node/download': node((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' })
        const timer = setInterval(() => res.write('tick\n'), 10)
        res.once('close', () => {
          clearInterval(timer)
          probe.emit('node download closed')
        })
      }),
      '/fetch/download': fetchApp((request) => {
        request.signal.addEventListener('abort', () => probe.emit('fetch download aborted'))
        return new Response(endlessStream('fetch download'))
      }),
    },
  )
}

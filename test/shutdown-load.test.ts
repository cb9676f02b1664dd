// SIGTERM while `switchyard serve` is under load: no request it accepted fails.
//
// Closing a listener makes the kernel reset the connections still in its accept queue
// (Linux sends RST; no close keeps them), so a client opening connections in a loop can
// see ECONNRESET for a connection the server never saw. The server process reports the peer
// port and time of every connection it accepted (support/accepted.ts): a reset is excused
// only for a new connection that received nothing and that the server never accepted (no
// connection from its port since it was opened: ports are reused). Any other error, or a
// reset of a connection the server took, fails the test.
import assert from 'node:assert/strict'
import { Agent, request } from 'node:http'
import { after, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { BIN, startProcess, TSX } from './support/cli.ts'

const FIXTURE = fileURLToPath(new URL('./fixtures/serve-app.ts', import.meta.url))
const ACCEPTED = new URL('./support/accepted.ts', import.meta.url).href

interface Outcome {
  path: string
  status?: number
  error?: string
  /** Sent on a connection kept alive from an earlier request. */
  reused?: boolean
  /** The client's port: the server's peer port for this connection. */
  localPort?: number
  /** When it was sent and when it settled, on the clock support/accepted.ts uses. */
  sent: number
  at: number
}

/** Milliseconds on the monotonic clock, which the server process shares. */
function monotonic(): number {
  return Number(process.hrtime.bigint()) / 1e6
}

function get(port: number, path: string, agent: Agent | false): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { path, sent: monotonic(), at: 0 }
    const settle = (fields: Partial<Outcome>) =>
      resolve(Object.assign(outcome, fields, { at: monotonic() }))
    const req = request(
      { host: '127.0.0.1', port, path, headers: { host: 'localhost' }, agent },
      (res) => {
        res.resume()
        res.on('end', () => settle({ status: res.statusCode }))
        // Cut after the head: the server had the request, never excused.
        res.on('error', (error: NodeJS.ErrnoException) =>
          settle({ error: `response ${error.code}` }),
        )
      },
    )
    req.on('socket', (socket) => {
      outcome.reused = req.reusedSocket
      outcome.localPort = socket.localPort
    })
    req.on('error', (error: NodeJS.ErrnoException) =>
      settle({ error: error.code ?? error.message }),
    )
    req.end()
  })
}

/** When the server accepted connections, by peer port, from support/accepted.ts's line. */
function acceptedTimes(output: string): Map<number, number[]> {
  const m = /accepted peer ports: (\d+) unknown;([\d.@ ]*)/.exec(output)
  assert.ok(m !== null, `the server did not report its connections; output:\n${output}`)
  assert.equal(Number(m[1]), 0, 'every accepted connection has a known peer port')
  const times = new Map<number, number[]>()
  for (const [, port, at] of (m[2] ?? '').matchAll(/(\d+)@([\d.]+)/g)) {
    times.set(Number(port), [...(times.get(Number(port)) ?? []), Number(at)])
  }
  return times
}

const SERVE = ['serve', FIXTURE, '--port', '0', '--host', '127.0.0.1']
const cli = startProcess(
  process.execPath,
  ['--import', TSX, '--import', ACCEPTED, BIN, ...SERVE],
  process.cwd(),
)
after(() => cli.stop('SIGKILL'))

it('SIGTERM under load: every accepted request completes, then the server refuses', async (t) => {
  const port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
  const outcomes: Outcome[] = []
  let stop = false
  const loop = async (worker: number) => {
    const agent = worker % 2 === 0 ? new Agent({ keepAlive: true }) : false
    for (let i = 0; !stop; i++) {
      // Tenants come and go; every fourth request is slow, so some are in flight at SIGTERM.
      const path = i % 4 === 0 ? `/t${worker}-${i % 7}/slow?ms=150` : `/t${worker}-${i % 7}/pid`
      const outcome = await get(port, path, agent)
      outcomes.push(outcome)
      if (outcome.error === 'ECONNREFUSED') break
    }
    if (agent) agent.destroy()
  }
  const loops = Array.from({ length: 16 }, (_, worker) => loop(worker))
  await sleep(1500)
  const sigterm = monotonic()
  cli.child.kill('SIGTERM')
  const code = await cli.exit
  stop = true
  await Promise.all(loops)
  await cli.waitFor(/accepted peer ports: .*\n/)
  const accepted = acceptedTimes(cli.output())
  /** The server accepted this request's connection (or another from its port since). */
  const wasAccepted = (o: Outcome) =>
    o.localPort !== undefined && (accepted.get(o.localPort) ?? []).some((at) => at >= o.sent)

  const served = outcomes.filter((o) => o.status !== undefined)
  const neverAccepted = (o: Outcome) =>
    o.error === 'ECONNRESET' && o.reused === false && o.localPort !== undefined && !wasAccepted(o)
  const excused = (o: Outcome) =>
    o.at >= sigterm && (o.error === 'ECONNREFUSED' || neverAccepted(o))
  const failed = outcomes.filter((o) => o.error !== undefined && !excused(o))
  assert.equal(code, 0, 'graceful exit')
  assert.ok(served.length > 200, `requests served: ${served.length}`)
  assert.ok(
    served.every((o) => o.status === 200),
    'every accepted request answered 200',
  )
  // The report is what excuses resets: it must list every connection that was served.
  const unlisted = served.filter((o) => !o.reused && !wasAccepted(o))
  assert.deepEqual(unlisted, [], 'the server reported every connection it served')
  t.diagnostic(`resets of connections never accepted: ${outcomes.filter(neverAccepted).length}`)
  assert.deepEqual(failed, [], 'no accepted request failed (only refusals after close)')
  assert.match(cli.output(), /disposed t\d+-\d in \d+/, 'instances were disposed')
})

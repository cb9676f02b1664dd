// SIGTERM and kept-alive connections: a request a client sends on an idle kept-alive
// connection while `switchyard serve` drains is answered (with Connection: close), not
// raced by closing the connection; idle ones are closed cleanly once the grace has passed.
import assert from 'node:assert/strict'
import { Agent, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { after, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { startCli } from './support/cli.ts'

const FIXTURE = fileURLToPath(new URL('./fixtures/serve-app.ts', import.meta.url))

interface Answer {
  status: number
  body: string
  connection: string | undefined
  reused: boolean
  socket: Socket
}

function get(port: number, path: string, agent: Agent | false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          connection: res.headers.connection,
          reused: req.reusedSocket,
          socket: req.socket as Socket,
        }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** Resolves once connecting is refused: the server has closed its listener. */
async function refused(port: number): Promise<void> {
  for (;;) {
    const code = await new Promise<string | undefined>((resolve) => {
      const probe = connect(port, '127.0.0.1', () => {
        probe.destroy()
        resolve(undefined)
      })
      probe.on('error', (error: NodeJS.ErrnoException) => resolve(error.code))
    })
    if (code === 'ECONNREFUSED') return
    await sleep(5)
  }
}

const cli = startCli(['serve', FIXTURE, '--port', '0', '--host', '127.0.0.1'], process.cwd())
after(() => cli.stop('SIGKILL'))

it('SIGTERM: requests on kept-alive connections are answered, idle ones close cleanly', async () => {
  const port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
  // One connection per agent: A sends at SIGTERM, B once the listener is closed, C never.
  const agents = [0, 1, 2].map(() => new Agent({ keepAlive: true, maxSockets: 1 }))
  const [a, b, c] = agents as [Agent, Agent, Agent]
  const warm = await Promise.all([
    get(port, '/k/pid', a),
    get(port, '/k/pid', b),
    get(port, '/k/pid', c),
  ])
  for (const answer of warm) assert.equal(answer.connection, 'keep-alive')
  const idleC = warm[2].socket
  const idleSince = performance.now()
  const cErrors: Error[] = []
  idleC.on('error', (error) => cErrors.push(error))
  const cClosed = new Promise<number>((resolve) =>
    idleC.once('close', () => resolve(performance.now())),
  )
  const slow = get(port, '/k/slow?ms=600', false)
  await sleep(100)

  cli.child.kill('SIGTERM')
  const atSignal = await get(port, '/k/pid', a)
  assert.deepEqual([atSignal.status, atSignal.reused], [200, true], 'sent at SIGTERM: answered')

  await refused(port)
  const draining = await get(port, '/k/pid', b)
  assert.deepEqual(
    [draining.status, draining.reused, draining.connection],
    [200, true, 'close'],
    'sent while draining, on the kept-alive connection: answered, and told to close',
  )

  const closedAt = await cClosed
  assert.deepEqual(cErrors, [], 'the idle connection was closed, not reset')
  assert.ok(closedAt - idleSince >= 900, `idle connection closed after ${closedAt - idleSince} ms`)
  const answer = await slow
  assert.deepEqual([answer.status, answer.body, answer.connection], [200, 'slow done', 'close'])
  assert.equal(await cli.exit, 0)
  for (const agent of agents) agent.destroy()
})

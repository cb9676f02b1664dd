// SIGTERM while `switchyard serve` is under load: no request it accepted fails.
import assert from 'node:assert/strict'
import { Agent } from 'node:http'
import { after, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { startCli } from './support/cli.ts'
import { send } from './support/http.ts'

const FIXTURE = fileURLToPath(new URL('./fixtures/serve-app.ts', import.meta.url))

interface Outcome {
  status?: number
  body?: string
  error?: string
}

function get(port: number, path: string, agent: Agent | false): Promise<Outcome> {
  return send(port, path, { agent }).then(
    ({ status, body }) => ({ status, body }),
    (error: NodeJS.ErrnoException) => ({ error: error.code ?? error.message }),
  )
}

const cli = startCli(['serve', FIXTURE, '--port', '0', '--host', '127.0.0.1'], process.cwd())
after(() => cli.stop('SIGKILL'))

it('SIGTERM under load: every accepted request completes, then the server refuses', async () => {
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
  cli.child.kill('SIGTERM')
  const code = await cli.exit
  stop = true
  await Promise.all(loops)

  const served = outcomes.filter((o) => o.status !== undefined)
  const failed = outcomes.filter((o) => o.error !== undefined && o.error !== 'ECONNREFUSED')
  assert.equal(code, 0, 'graceful exit')
  assert.ok(served.length > 200, `requests served: ${served.length}`)
  assert.ok(
    served.every((o) => o.status === 200),
    'every accepted request answered 200',
  )
  assert.deepEqual(failed, [], 'no accepted request failed (only refusals after close)')
  assert.match(cli.output(), /disposed t\d+-\d in \d+/, 'instances were disposed')
})

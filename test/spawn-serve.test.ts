// No spawned child outlives switchyard: `serve` stopped by SIGTERM or SIGINT stops it, and
// one killed by SIGKILL leaves it to the watchdog, which stops it within its grace.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startCli } from './support/cli.ts'
import { send } from './support/http.ts'
import { alive, gone } from './support/processes.ts'

const ENTRY = fileURLToPath(new URL('fixtures/spawn-entry.ts', import.meta.url))

for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
  test(`the child of a spawned app is gone after ${signal} to switchyard serve`, async () => {
    const cli = startCli(['serve', ENTRY, '--port', '0', '--host', '127.0.0.1'], process.cwd())
    try {
      const port = Number((await cli.waitFor(/127\.0\.0\.1:(\d+)/))[1])
      const reply = await send(port, '/app/x', { host: '127.0.0.1' })
      const { pid } = JSON.parse(reply.body) as { pid: number }
      assert.equal(alive(pid), true)
      // Its output reaches switchyard's, prefixed with its name.
      await cli.waitFor(/\[child-app\] listening on/)
      cli.child.kill(signal)
      await cli.exit
      assert.equal(await gone(pid, 8000), true, `pid ${pid} outlived switchyard (${signal})`)
    } finally {
      cli.child.kill('SIGKILL')
    }
  })
}

// No spawned child outlives switchyard: `serve` stopped by SIGTERM or SIGINT stops it, and
// one killed by SIGKILL leaves it to the watchdog, which stops it within its grace.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startCli } from './support/cli.ts'
import { send } from './support/http.ts'

const ENTRY = fileURLToPath(new URL('fixtures/spawn-entry.ts', import.meta.url))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function gone(pid: number, ms = 8000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (!alive(pid)) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return false
}

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
      assert.equal(await gone(pid), true, `pid ${pid} outlived switchyard (${signal})`)
    } finally {
      cli.child.kill('SIGKILL')
    }
  })
}

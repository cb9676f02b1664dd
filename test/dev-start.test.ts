// switchyard dev before its server is up: a first worker that cannot start ends the command
// with the reason (nothing, not the file watcher, keeps it running), and a signal while the
// entry still loads stops it at once, worker included.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startCli } from './support/cli.ts'

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('switchyard dev: starting', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-dev-start-'))
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(join(dir, 'exits.ts'), 'process.exit(3)\nexport default () => {}\n')
    // Writes the worker's pid, then never finishes loading.
    writeFileSync(
      join(dir, 'slow.ts'),
      `import { writeFileSync } from 'node:fs'
writeFileSync('slow.pid', String(process.pid))
await new Promise((resolve) => setTimeout(resolve, 600_000))
export default () => new Response('late')
`,
    )
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('ends with the reason when the first worker exits before it is ready', async () => {
    const cli = startCli(['dev', 'exits.ts', '--port', '0', '--host', '127.0.0.1'], dir)
    const timer = setTimeout(() => cli.child.kill('SIGKILL'), 45_000)
    const code = await cli.exit
    clearTimeout(timer)
    assert.equal(code, 1, cli.output())
    assert.match(cli.output(), /the dev worker exited \(3\) before it was ready/)
  })

  it('stops at once on SIGTERM while the entry is still loading, worker included', async () => {
    const cli = startCli(['dev', 'slow.ts', '--port', '0', '--host', '127.0.0.1'], dir)
    const pidFile = join(dir, 'slow.pid')
    const deadline = Date.now() + 45_000
    let pid = 0
    while (pid === 0 && Date.now() < deadline) {
      try {
        pid = Number(readFileSync(pidFile, 'utf8'))
      } catch {
        await sleep(20)
      }
    }
    assert.ok(pid > 0, `the worker never started loading:\n${cli.output()}`)
    const timer = setTimeout(() => cli.child.kill('SIGKILL'), 10_000)
    const code = await cli.stop('SIGTERM')
    clearTimeout(timer)
    assert.equal(code, 0, cli.output())
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(20)
    assert.equal(alive(pid), false, 'the loading worker outlived the command')
  })
})

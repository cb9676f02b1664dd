// A port already in use: `serve` and `dev` exit 1 at once with a message that says what to
// do, instead of a stack trace or (dev) a supervisor left running for nothing.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { type AddressInfo, createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { BIN, TSX } from './support/cli.ts'

const DEMO = fileURLToPath(new URL('../examples/demo/app.ts', import.meta.url))

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', TSX, BIN, ...args],
      { timeout: 20_000 },
      (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
    )
    child.stdin?.end()
  })
}

describe('a port already in use', () => {
  const taken = createServer()
  let port = 0
  before(async () => {
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    port = (taken.address() as AddressInfo).port
  })
  after(() => taken.close())

  for (const command of ['serve', 'dev']) {
    it(`switchyard ${command} exits 1 and says to pick another --port`, async () => {
      const { code, stderr } = await run([
        command,
        DEMO,
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ])
      assert.equal(code, 1)
      assert.match(stderr, new RegExp(`127\\.0\\.0\\.1:${port} is already in use.*--port`))
      assert.doesNotMatch(stderr, /at .*\.ts:\d+/, 'no stack trace')
    })
  }
})

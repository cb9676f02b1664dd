// `switchyard dev` as a real child process: reloads, error pages, access log, help.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { type Cli, startCli } from './support/cli.ts'
import { send } from './support/http.ts'

const INDEX = fileURLToPath(new URL('../src/index.ts', import.meta.url))

function appSource(version: string): string {
  return `import { mount } from ${JSON.stringify(INDEX)}
export default mount((request: Request) => new Response(${JSON.stringify(version)}), {
  '/boom': (_request: Request) => { throw new Error('kaboom from ${version}') },
})
`
}

interface Got {
  status: number
  body: string
}

async function get(port: number, path: string, agent?: Agent): Promise<Got> {
  const { status, body } = await send(port, path, { agent })
  return { status, body }
}

describe('switchyard dev', () => {
  let dir: string
  let cli: Cli
  let port: number

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-dev-'))
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(join(dir, 'app.ts'), appSource('v1'))
    cli = startCli(['dev', 'app.ts', '--port', '0', '--host', '127.0.0.1'], dir)
    port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
  })
  after(async () => {
    assert.equal(await cli.stop(), 0, 'exits 0 on SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the entry and logs which app answered', async () => {
    const got = await get(port, '/hello')
    assert.deepEqual(got, { status: 200, body: 'v1' })
    await cli.waitFor(/GET \/hello → \/ 200/)
  })

  it('shows the error page for a failing app', async () => {
    const got = await get(port, '/boom')
    assert.equal(got.status, 500)
    assert.match(got.body, /<html/i)
    assert.match(got.body, /kaboom from v1/)
  })

  it("shows each error page with its own request only, never another's cookies", async () => {
    const pages = await Promise.all(
      ['alice', 'bob'].map((who) =>
        send(port, `/boom?${who}`, { headers: { cookie: `session=${who}-secret` } }),
      ),
    )
    for (const [i, who] of ['alice', 'bob'].entries()) {
      const { status, body } = pages[i] as { status: number; body: string }
      const other = who === 'alice' ? 'bob' : 'alice'
      assert.equal(status, 500)
      assert.match(body, new RegExp(`${who}-secret`))
      assert.doesNotMatch(body, new RegExp(`${other}-secret`))
    }
  })

  it('reloads three times under a request loop without refusing a connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 4 })
    const failures: unknown[] = []
    const seen: Got[] = []
    let running = true
    const loop = async () => {
      while (running) {
        try {
          seen.push(await get(port, '/', agent))
        } catch (error) {
          failures.push(error)
        }
      }
    }
    const loops = [loop(), loop(), loop()]
    const until = async (predicate: (got: Got) => boolean) => {
      const deadline = Date.now() + 15_000
      while (Date.now() < deadline) {
        const last = seen.at(-1)
        if (last !== undefined && predicate(last)) return
        await sleep(50)
      }
      assert.fail(`no matching response; last: ${JSON.stringify(seen.at(-1))?.slice(0, 200)}`)
    }
    try {
      writeFileSync(join(dir, 'app.ts'), appSource('v2'))
      await until((got) => got.body === 'v2')
      writeFileSync(join(dir, 'app.ts'), 'export default {{{ syntax error\n')
      await until((got) => got.status === 500)
      const broken = seen.at(-1) as Got
      assert.match(broken.body, /<html/i, 'the load failure is shown as an error page')
      assert.match(broken.body, /app\.ts/)
      // The frame is the user's file at the line, not esbuild's own code.
      assert.doesNotMatch(broken.body, /node_modules\/esbuild/)
      assert.match(broken.body, /Expected identifier but found/)
      assert.match(broken.body, /\{\{\{ syntax error/, 'the frame shows the line')
      writeFileSync(join(dir, 'app.ts'), appSource('v3'))
      await until((got) => got.body === 'v3')
    } finally {
      running = false
      await Promise.all(loops)
      agent.destroy()
    }
    assert.deepEqual(failures, [], 'no request failed or was refused')
    assert.ok(seen.length > 20, `the loop ran (${seen.length} requests)`)
    assert.match(cli.output(), /reloaded after a change to app\.ts/)
  })
})

describe('switchyard dev options', () => {
  it('--help prints the options and exits 0', async () => {
    const cli = startCli(['dev', '--help'], process.cwd())
    assert.equal(await cli.exit, 0)
    assert.match(cli.output(), /--inspect/)
    assert.match(cli.output(), /--port/)
  })

  it('a bad flag exits 2 with a message, a missing entry exits 1', async () => {
    const bad = startCli(['dev', '--bogus'], process.cwd())
    assert.equal(await bad.exit, 2)
    assert.match(bad.output(), /Unknown option '--bogus'/)
    const missing = startCli(['dev', 'no-such-file.ts'], process.cwd())
    assert.equal(await missing.exit, 1)
    assert.match(missing.output(), /entry not found/)
  })

  it('--inspect starts the worker under the inspector and prints the DevTools URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-inspect-'))
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(join(dir, 'app.ts'), appSource('inspected'))
    const cli = startCli(['dev', 'app.ts', '--port', '0', '--inspect'], dir)
    try {
      await cli.waitFor(
        /devtools:\/\/devtools\/bundled\/js_app\.html\?.*ws=127\.0\.0\.1:\d+\/[\w-]+/,
      )
    } finally {
      assert.equal(await cli.stop(), 0)
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

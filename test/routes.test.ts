// `switchyard routes` as a real child process, on the demo and on the seeds.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startCli } from './support/cli.ts'

describe('switchyard routes', () => {
  it("prints the demo's dispatch tree", async () => {
    const cli = startCli(['routes', 'examples/demo/app.ts'], process.cwd())
    assert.equal(await cli.exit, 0)
    const lines = cli.output().trimEnd().split('\n')
    assert.equal(lines[0], 'subdomains of localhost [subdomains]')
    assert.match(
      lines[1] as string,
      /^├─ \{key\}\.localhost {2}→ {2}create\(key\), none live \[factory\]$/,
    )
    assert.match(
      lines[2] as string,
      /^└─ localhost \(apex\), \(hosts outside localhost\) {2}→ {2}mount$/,
    )
    for (const prefix of ['/backend', '/api', '/ws']) {
      assert.ok(
        lines.some((line) => line.includes(`─ ${prefix}  →`)),
        `${prefix} is listed`,
      )
    }
    const hono = lines.findIndex((line) => /└─ \* {2}→ {2}Hono \[fetch\]$/.test(line))
    assert.ok(hono > 0, 'the Hono leaf is listed')
    assert.deepEqual(
      lines.slice(hono + 1).map((l) => l.trim()),
      ['GET,HEAD  /', 'GET,HEAD  /whoami'],
    )
  })

  it('picks a named export with file:name, and says so when it is missing', async () => {
    const ok = startCli(['routes', 'examples/seeds/by-path.ts:application'], process.cwd())
    assert.equal(await ok.exit, 0)
    assert.match(ok.output(), /^paths\n├─ \/\{key\}/)
    const missing = startCli(['routes', 'examples/seeds/by-path.ts:nope'], process.cwd())
    assert.equal(await missing.exit, 1)
    assert.match(missing.output(), /has no "nope"/)
  })

  it('--help exits 0; an unknown command exits 2 with the usage', async () => {
    const help = startCli(['routes', '--help'], process.cwd())
    assert.equal(await help.exit, 0)
    assert.match(help.output(), /Usage: switchyard routes/)
    const unknown = startCli(['bogus'], process.cwd())
    assert.equal(await unknown.exit, 2)
    assert.match(unknown.output(), /unknown command "bogus"/)
  })
})

// The reloader sees what an editor really does and what the app really imports: five atomic
// saves in a row (write a copy, rename it over, as sed -i, Vim and JetBrains do) reload five
// times, and an edit of an imported file outside the entry's folder reloads.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Cli, startCli } from './support/cli.ts'

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve(body))
    })
      .on('error', reject)
      .end()
  })
}

async function until(port: number, body: string): Promise<void> {
  const deadline = Date.now() + 10_000
  let last = ''
  while (Date.now() < deadline) {
    last = await get(port).catch(() => '')
    if (last === body) return
    await sleep(50)
  }
  assert.fail(`never served ${JSON.stringify(body)}; last ${JSON.stringify(last)}`)
}

// Writes a copy and renames it over the file: the file is a new inode afterwards.
function saveAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp~`, text)
  renameSync(`${file}.tmp~`, file)
}

describe('switchyard dev: what reloads', () => {
  let dir: string
  let cli: Cli
  let port: number
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-watch-'))
    mkdirSync(join(dir, 'app'))
    mkdirSync(join(dir, 'lib'))
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(join(dir, 'lib', 'text.ts'), "export const suffix: string = ''\n")
    saveAtomically(join(dir, 'app', 'app.ts'), entry('v0'))
    cli = startCli(['dev', 'app/app.ts', '--port', '0', '--host', '127.0.0.1'], dir)
    port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
    await until(port, 'v0')
  })
  after(async () => {
    await cli.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const entry = (version: string) =>
    `import { suffix } from '../lib/text.ts'\nexport default (request: Request) => new Response('${version}' + suffix)\n`

  it('reloads on each of five atomic saves of the entry', async () => {
    for (let i = 1; i <= 5; i++) {
      saveAtomically(join(dir, 'app', 'app.ts'), entry(`v${i}`))
      await until(port, `v${i}`)
    }
    const reloads = cli.output().match(/reloaded after a change/g) ?? []
    assert.ok(reloads.length >= 5, cli.output())
  })

  it('reloads when an imported file outside the entry folder changes', async () => {
    writeFileSync(join(dir, 'lib', 'text.ts'), "export const suffix: string = '+lib'\n")
    await until(port, 'v5+lib')
    saveAtomically(join(dir, 'lib', 'text.ts'), "export const suffix: string = '+again'\n")
    await until(port, 'v5+again')
  })
})

describe('switchyard dev --watch and --ignore', () => {
  let dir: string
  let cli: Cli
  let port: number
  const reloads = () => (cli.output().match(/reloaded after a change/g) ?? []).length
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-globs-'))
    mkdirSync(join(dir, 'app', 'generated'), { recursive: true })
    mkdirSync(join(dir, 'shared'))
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(join(dir, 'shared', 'config.json'), '{}\n')
    writeFileSync(join(dir, 'app', 'generated', 'g.ts'), "export const g: string = 'g1'\n")
    writeFileSync(
      join(dir, 'app', 'app.ts'),
      "import { g } from './generated/g.ts'\nexport default () => new Response(g)\n",
    )
    cli = startCli(
      ['dev', 'app/app.ts', '--port', '0', '--host', '127.0.0.1'].concat([
        '--watch',
        'shared/**/*.json',
        '--ignore',
        'app/generated/**',
      ]),
      dir,
    )
    port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
    await until(port, 'g1')
  })
  after(async () => {
    await cli.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reloads on a change to a file --watch names, outside the folder and not imported', async () => {
    const before = reloads()
    saveAtomically(join(dir, 'shared', 'config.json'), '{ "changed": true }\n')
    await cli.waitFor(new RegExp(`(?:reloaded after a change[^]*){${before + 1}}`))
  })

  it('never reloads on a change to a file --ignore names, even an imported one', async () => {
    const before = reloads()
    writeFileSync(join(dir, 'app', 'generated', 'g.ts'), "export const g: string = 'g2'\n")
    await sleep(1500)
    assert.equal(reloads(), before)
    assert.equal(await get(port), 'g1')
  })
})

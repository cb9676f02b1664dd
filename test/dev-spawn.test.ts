// switchyard dev keeps a spawned app's process across reloads of the JS entry while its
// command and options are unchanged, starts a new one when they change, prints its output
// with its name, and stops it when the dev server stops.
import assert from 'node:assert/strict'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type Cli, startCli } from './support/cli.ts'
import { send } from './support/http.ts'

const APP = fileURLToPath(new URL('fixtures/spawn-app.mjs', import.meta.url))
const SRC = pathToFileURL(fileURLToPath(new URL('../src/', import.meta.url))).href

function saveAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp~`, text)
  renameSync(`${file}.tmp~`, file)
}

const entry = (version: string, tenant: string) => `
import { mount } from '${SRC}index.ts'
import { spawn } from '${SRC}node.ts'
export default mount(() => new Response('${version}'), {
  '/child': spawn([${JSON.stringify(process.execPath)}, ${JSON.stringify(APP)}], { name: 'kept', env: { TENANT: '${tenant}' } }),
})
`

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function until(port: number, body: string): Promise<void> {
  for (const end = Date.now() + 15_000; Date.now() < end; await sleep(50)) {
    const reply = await send(port, '/', { host: '127.0.0.1' }).catch(() => undefined)
    if (reply?.body === body) return
  }
  assert.fail(`never served ${body}`)
}

async function childPid(port: number): Promise<{ pid: number; tenant: string }> {
  return JSON.parse((await send(port, '/child/', { host: '127.0.0.1' })).body)
}

describe('switchyard dev and spawned apps', () => {
  let dir: string
  let cli: Cli
  let port: number
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-dev-spawn-'))
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    saveAtomically(join(dir, 'app.ts'), entry('v0', 'a'))
    cli = startCli(['dev', 'app.ts', '--port', '0', '--host', '127.0.0.1'], dir)
    port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
    await until(port, 'v0')
  })
  after(async () => {
    await cli.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  let first: number
  it('keeps the process across a reload that leaves its command and options alone', async () => {
    first = (await childPid(port)).pid
    await cli.waitFor(/\[kept\] listening on/)
    saveAtomically(join(dir, 'app.ts'), entry('v1', 'a'))
    await until(port, 'v1')
    assert.equal((await childPid(port)).pid, first)
  })

  it('starts a new process when its options change (the old one is stopped once no worker claims it for a minute)', async () => {
    saveAtomically(join(dir, 'app.ts'), entry('v2', 'b'))
    await until(port, 'v2')
    const next = await childPid(port)
    assert.equal(next.tenant, 'b')
    assert.notEqual(next.pid, first)
  })

  it('stops every process when the dev server stops', async () => {
    const { pid } = await childPid(port)
    await cli.stop()
    for (const end = Date.now() + 8000; alive(pid) && Date.now() < end; ) await sleep(25)
    assert.equal(alive(pid), false)
  })
})

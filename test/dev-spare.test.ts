// switchyard dev keeps a spare worker forked ahead: a save is served by a process that was
// already running before it (the spare), a new spare takes its place for the next save, and
// no request is refused meanwhile. What a spare has already read (package.json, its own
// modules) is never stale: such a change gets a fresh process. A spare that dies is replaced.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Cli, startCli } from './support/cli.ts'
import { send } from './support/http.ts'

// The answer names the version, the worker's pid and when its process started.
const appSource = (version: string) =>
  `export default (_request: Request) => new Response(\`${version} \${process.pid} \${Math.round(performance.timeOrigin)}\`)\n`

interface Served {
  version: string
  pid: number
  startedAt: number
}

const parse = (body: string): Served => {
  const [version, pid, startedAt] = body.split(' ')
  return { version: version as string, pid: Number(pid), startedAt: Number(startedAt) }
}

function saveAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp~`, text)
  renameSync(`${file}.tmp~`, file)
}

describe('switchyard dev: the spare worker', () => {
  let dir: string
  let cli: Cli
  let port: number
  const agent = new Agent({ keepAlive: true, maxSockets: 2 })
  const failures: string[] = []
  let last: Served | undefined
  let running = true
  let loops: Promise<void>[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-spare-'))
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(join(dir, 'app.ts'), appSource('v0'))
    cli = startCli(['dev', 'app.ts', '--port', '0', '--host', '127.0.0.1'], dir)
    port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
    // A keep-alive client and one with a new connection per request, all along.
    const loop = async (options: { agent?: Agent }) => {
      while (running) {
        try {
          const { status, body } = await send(port, '/', options)
          if (status !== 200) failures.push(`${status} ${body.slice(0, 80)}`)
          else last = parse(body)
        } catch (error) {
          failures.push((error as Error).message)
        }
        await sleep(5)
      }
    }
    loops = [loop({ agent }), loop({})]
  })
  after(async () => {
    running = false
    await Promise.all(loops)
    agent.destroy()
    assert.equal(await cli.stop(), 0)
    rmSync(dir, { recursive: true, force: true })
  })

  const until = async (version: string): Promise<Served> => {
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline) {
      if (last?.version === version) return last
      await sleep(10)
    }
    assert.fail(`never served ${version}; last ${JSON.stringify(last)}\n${cli.output()}`)
  }

  it('serves each save from a process started before it, a new one each time', async () => {
    const first = await until('v0')
    const pids = new Set([first.pid])
    for (const version of ['v1', 'v2', 'v3']) {
      // The spare is forked once the new worker has served a little.
      await sleep(300)
      const savedAt = Date.now()
      saveAtomically(join(dir, 'app.ts'), appSource(version))
      const served = await until(version)
      assert.ok(
        served.startedAt < savedAt,
        `${version} came from a process started ${served.startedAt - savedAt} ms after the save`,
      )
      assert.ok(!pids.has(served.pid), `${version} came from a worker that served before`)
      pids.add(served.pid)
    }
    assert.deepEqual(failures, [], 'no request refused or failed')
  })

  it('starts afresh after a change to package.json, which the spare has read', async () => {
    await sleep(300)
    const savedAt = Date.now()
    writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n')
    saveAtomically(join(dir, 'app.ts'), appSource('v4'))
    const served = await until('v4')
    assert.ok(served.startedAt >= savedAt - 5, 'a process started after the change')
    assert.deepEqual(failures, [], 'no request refused or failed')
  })

  it('replaces a spare that died while it waited', async () => {
    const serving = (await until('v4')).pid
    // The dev server's children: the serving worker, the spare, and for a moment the worker
    // the last save retired.
    const children = () => childrenOf(cli.child.pid as number)
    // The worker retired by the last save may still be exiting: the spare is the child
    // started after the serving worker.
    const spares = () =>
      children().filter((pid) => pid !== serving && started(pid) > started(serving))
    let workers = spares()
    for (let i = 0; i < 100 && workers.length !== 1; i++) {
      await sleep(50)
      workers = spares()
    }
    const spare = workers[0]
    assert.ok(spare !== undefined, `a spare next to worker ${serving}: ${workers.join(', ')}`)
    process.kill(spare, 'SIGKILL')
    await sleep(200)
    saveAtomically(join(dir, 'app.ts'), appSource('v5'))
    const served = await until('v5')
    assert.notEqual(served.pid, spare)
    assert.deepEqual(failures, [], 'no request refused or failed')
  })
})

/** The pids of a process's children. */
function childrenOf(pid: number): number[] {
  return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '')
    .map(Number)
}

/** A process's command line, '' once it is gone. */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return ''
  }
}

/** When a process started, in clock ticks since boot (Linux); -1 once it is gone. */
function started(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
  } catch {
    return -1
  }
}

describe('switchyard dev without an entry', () => {
  it('loads the default entry, app.ts in the working directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-default-entry-'))
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(join(dir, 'app.ts'), appSource('default'))
    const cli = startCli(['dev', '--port', '0', '--host', '127.0.0.1'], dir)
    try {
      const port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
      const { status, body } = await send(port, '/')
      assert.equal(status, 200, body.slice(0, 300))
      assert.equal(parse(body).version, 'default')
    } finally {
      assert.equal(await cli.stop(), 0)
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('switchyard dev --no-spare', () => {
  it('keeps one worker only, and still reloads without refusing a request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-no-spare-'))
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(join(dir, 'app.ts'), appSource('v0'))
    const cli = startCli(['dev', 'app.ts', '--port', '0', '--host', '127.0.0.1', '--no-spare'], dir)
    // The dev server's workers (other children, such as the TypeScript loader's esbuild
    // service on a cold cache, are not workers).
    const workers = () =>
      childrenOf(cli.child.pid as number).filter((pid) => commandOf(pid).includes('dev/worker'))
    try {
      const port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
      const first = parse((await send(port, '/')).body)
      // Well past the moment a spare would have been forked.
      await sleep(1000)
      assert.deepEqual(workers(), [first.pid], 'the serving worker is the only worker')
      const savedAt = Date.now()
      saveAtomically(join(dir, 'app.ts'), appSource('v1'))
      let served = first
      const deadline = Date.now() + 15_000
      while (served.version !== 'v1' && Date.now() < deadline) {
        const { status, body } = await send(port, '/')
        assert.equal(status, 200, body.slice(0, 300))
        served = parse(body)
        await sleep(10)
      }
      assert.equal(served.version, 'v1')
      assert.ok(served.startedAt >= savedAt - 5, 'the worker was started after the save')
      // The retired worker exits once its requests are done (within 10 s at most).
      const gone = Date.now() + 12_000
      while (workers().length > 1 && Date.now() < gone) await sleep(50)
      await sleep(1000)
      assert.deepEqual(workers(), [served.pid], 'still no spare after the reload')
    } finally {
      assert.equal(await cli.stop(), 0)
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

// A supervised child process (src/process/): real processes only. It starts on ready(),
// answers through its address, restarts after a crash, stops with its whole process group,
// and nothing it started outlives the parent, however the parent dies.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { get } from 'node:http'
import { dirname } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { backoffDelay } from '../src/process/backoff.ts'
import { Child, type ChildAddress, type ChildOptions } from '../src/process/child.ts'
import { watchdogPid } from '../src/process/watchdog.ts'
import { TSX } from './support/cli.ts'

const SERVER = fileURLToPath(new URL('./fixtures/process-server.mjs', import.meta.url))
const PARENT = fileURLToPath(new URL('./fixtures/process-parent.ts', import.meta.url))
const NODE = process.execPath

interface Answer {
  status: number
  body: string
}

function request(address: ChildAddress, path = '/'): Promise<Answer> {
  const target = 'socketPath' in address ? { socketPath: address.socketPath } : address
  return new Promise((resolve, reject) => {
    get({ ...target, path, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject)
  })
}

async function about(address: ChildAddress, path = '/') {
  const { body } = await request(address, path)
  return JSON.parse(body) as { pid: number; grandchild?: number; port: string; argv: string[] }
}

// Linux's /proc tells a zombie from a live process: an orphan that has exited stays a zombie
// when the pid namespace's init does not reap, and kill(pid, 0) still succeeds on it.
const PROC = existsSync('/proc/self/stat')
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  if (!PROC) return true
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** The pids still alive after waiting up to `ms` for them all to go. */
async function survivors(pids: number[], ms = 3000): Promise<number[]> {
  const deadline = Date.now() + ms
  for (;;) {
    const left = pids.filter(alive)
    if (left.length === 0 || Date.now() > deadline) return left
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

// Whatever a failed assertion leaves running is stopped, or this file would never end.
// (A parent's own children hold none of our pipes: the parent alone would keep it running.)
const started: Child[] = []
const parents: ChildProcess[] = []
after(async () => {
  await Promise.all(started.map((child) => child.stop()))
  for (const parent of parents) parent.kill('SIGKILL')
})

function server(options: Partial<ChildOptions> = {}, lines?: string[]): Child {
  const child = new Child({
    command: [NODE, SERVER],
    grace: 1000,
    log: (line, stream) => lines?.push(`${stream}: ${line}`),
    ...options,
  })
  started.push(child)
  return child
}

function once<T extends unknown[]>(child: Child, event: string): Promise<T> {
  return new Promise((resolve) => child.once(event, (...args) => resolve(args as T)))
}

describe('Child: start and address', () => {
  it('starts on ready(), serves through the address; PORT and {port} carry the port', async () => {
    const child = server({ command: [NODE, SERVER, '--port', '{port}', 'x{port}y'] })
    assert.equal(child.info().state, 'stopped')
    assert.equal(child.address, undefined)
    const address = await child.ready()
    assert.ok(
      'port' in address && address.host === '127.0.0.1' && address.port > 0,
      'a loopback TCP address',
    )
    assert.deepEqual(child.address, address)
    const answer = await about(address, '/hello')
    assert.equal(answer.port, String(address.port))
    assert.deepEqual(answer.argv, ['--port', String(address.port), `x${address.port}y`])
    const info = child.info()
    assert.equal(info.pid, answer.pid)
    assert.equal(info.state, 'ready')
    assert.equal(info.ready, true)
    assert.equal(info.address, `127.0.0.1:${address.port}`)
    assert.equal(info.name, 'node')
    assert.deepEqual(await child.ready(), address, 'a second ready() resolves at once')
    const watchdog = watchdogPid()
    assert.ok(watchdog !== undefined && alive(watchdog), 'a watchdog runs while a child does')
    await child.stop()
    assert.equal(child.address, undefined)
    assert.equal(child.info().state, 'stopped')
    assert.deepEqual(await survivors([answer.pid, watchdog]), [], 'child and watchdog are gone')
    await assert.rejects(child.ready(), /stopped/)
  })

  it('runs a non-Node server: python3 -m http.server, its log lines prefixed by stream', async () => {
    const lines: string[] = []
    const child = server(
      {
        name: 'py',
        command: ['/usr/bin/python3', '-m', 'http.server', '{port}', '-b', '127.0.0.1'],
      },
      lines,
    )
    try {
      const address = await child.ready()
      const { status, body } = await request(address)
      assert.equal(status, 200)
      assert.match(body, /Directory listing/)
      assert.ok(
        lines.some((line) => /^stderr: 127\.0\.0\.1 - - .*"GET \/ HTTP\/1\.1" 200/.test(line)),
        lines.join('\n'),
      )
    } finally {
      await child.stop()
    }
  })

  it("'socket' mode: a Unix socket in a private directory, removed on stop", async () => {
    const child = server({ port: 'socket' })
    const address = await child.ready()
    assert.ok('socketPath' in address, 'a socket address')
    const answer = await about(address)
    assert.equal(answer.port, address.socketPath)
    assert.equal(child.info().address, `unix:${address.socketPath}`)
    await child.stop()
    assert.equal(existsSync(dirname(address.socketPath)), false)
  })

  it('a fixed port is used as given', async () => {
    const probe = server()
    const free = await probe.ready()
    await probe.stop()
    assert.ok('port' in free, 'a TCP address')
    const child = server({ port: free.port })
    try {
      assert.deepEqual(await child.ready(), free)
      assert.equal((await about(free)).port, String(free.port))
    } finally {
      await child.stop()
    }
  })
})

describe('Child: failures to start', () => {
  it('a child that never answers: ready() rejects after readyTimeout, saying why', async () => {
    const child = server({ env: { MODE: 'silent' }, readyTimeout: 300 })
    const started = Date.now()
    await assert.rejects(child.ready(), /not ready within 300 ms: GET \/ on 127\.0\.0\.1:\d+/)
    const took = Date.now() - started
    assert.ok(took >= 290 && took < 3000, `rejected after ${took} ms`)
    await child.stop()
  })

  it('a command that does not exist: a clear error naming it, at once and again', async () => {
    const child = new Child({ command: ['switchyard-no-such-command', '{port}'] })
    const started = Date.now()
    await assert.rejects(child.ready(), (error: Error) => {
      assert.match(error.message, /cannot start "switchyard-no-such-command": no such command/)
      return true
    })
    assert.ok(Date.now() - started < 2000, 'rejected at once')
    assert.equal(child.info().state, 'failed')
    await assert.rejects(child.ready(), /cannot start "switchyard-no-such-command"/)
    await child.stop()
  })

  it('a cwd that does not exist is named as the cause', async () => {
    const child = server({ cwd: '/nonexistent/switchyard' })
    await assert.rejects(child.ready(), /its cwd "\/nonexistent\/switchyard" does not exist/)
  })

  it('with restart off, a child that exits fails ready() with its exit code', async () => {
    const child = server({ env: { MODE: 'exit' }, restart: false })
    await assert.rejects(child.ready(), /exited \(code 3\); restart is off/)
    assert.equal(child.info().state, 'failed')
    assert.deepEqual(child.info().lastExit, { code: 3, signal: null })
  })

  it('options are checked when described: TypeErrors that name the fix', () => {
    const bad: [unknown, RegExp][] = [
      [{ command: [] }, /command must be a non-empty argv array/],
      [{ command: 'python3 app.py' }, /command must be a non-empty argv array/],
      [{ command: ['x'], port: 0 }, /port must be 'auto', 'socket' or a TCP port/],
      [{ command: ['x'], ready: 'health' }, /ready must be a path starting with '\/'/],
      [{ command: ['x'], grace: -1 }, /grace must be a number of milliseconds/],
      [{ command: ['x'], env: { A: 1 } }, /env\.A must be a string/],
    ]
    for (const [options, message] of bad) {
      assert.throws(() => new Child(options as ChildOptions), { name: 'TypeError', message })
    }
    assert.equal(new Child({ command: ['x'], readyTimeout: '2s' }).info().name, 'x')
  })
})

describe('Child: restart and stop', () => {
  it('a SIGKILLed child is restarted: new pid, ready again, restarts 1', async () => {
    const child = server()
    try {
      const first = await about(await child.ready())
      const restarted = once<[number, number]>(child, 'restart')
      const exited = once<[number | null, string | null, boolean]>(child, 'exit')
      process.kill(first.pid, 'SIGKILL')
      assert.deepEqual(await exited, [null, 'SIGKILL', false])
      assert.equal(child.address, undefined, 'no address while it is down')
      assert.deepEqual(await restarted, [1, 100])
      assert.equal(child.info().state, 'backoff')
      const second = await about(await child.ready())
      assert.notEqual(second.pid, first.pid)
      const info = child.info()
      assert.equal(info.restarts, 1)
      assert.equal(info.pid, second.pid)
      assert.deepEqual(info.lastExit, { code: null, signal: 'SIGKILL' })
    } finally {
      await child.stop()
    }
  })

  it('a child that keeps exiting is restarted after 100, 200, 400 ms: the backoff doubles', async () => {
    assert.deepEqual([1, 2, 3, 7, 8, 20].map(backoffDelay), [100, 200, 400, 6400, 10_000, 10_000])
    const child = server({ env: { MODE: 'exit' } })
    const restarts: [number, number][] = []
    const third = new Promise<void>((resolve) =>
      child.on('restart', (attempt: number, delay: number) => {
        if (restarts.push([attempt, delay]) === 3) resolve()
      }),
    )
    const waiting = child.ready()
    await third
    assert.deepEqual(restarts, [
      [1, 100],
      [2, 200],
      [3, 400],
    ])
    assert.equal(child.info().restarts, 3)
    assert.deepEqual(child.info().lastExit, { code: 3, signal: null })
    await child.stop()
    await assert.rejects(waiting, /stopped before it was ready/)
  })

  it('a start that is not ready within readyTimeout is stopped and restarted', async () => {
    const child = server({ env: { MODE: 'silent' }, readyTimeout: 300, grace: 200 })
    const waiting = assert.rejects(child.ready(), /not ready within 300 ms/)
    const exited = once<[number | null, string | null, boolean]>(child, 'exit')
    const restarted = once(child, 'restart') // emitted right after 'exit'
    const [, , expected] = await exited
    assert.equal(expected, false, 'an exit stop() did not ask for')
    await restarted
    await waiting
    await child.stop()
    assert.equal(child.info().restarts, 1)
  })

  it('stop() sends SIGTERM, which the child handles; its last partial line is logged', async () => {
    const lines: string[] = []
    const child = server({ grace: 5000 }, lines)
    const { pid, port } = await about(await child.ready())
    const started = Date.now()
    await child.stop()
    assert.ok(Date.now() - started < 4000, 'stopped well before the grace')
    assert.deepEqual(child.info().lastExit, { code: 0, signal: null })
    assert.equal(alive(pid), false)
    await new Promise((resolve) => setImmediate(resolve))
    assert.ok(lines.includes('stdout: got SIGTERM'), lines.join('\n'))
    assert.ok(lines.includes(`stdout: listening on ${port}`), lines.join('\n'))
    assert.ok(lines.includes('stderr: a line on stderr'), 'split by line, CR dropped')
    await child.stop() // idempotent
  })

  it('a child that ignores SIGTERM is SIGKILLed after grace', async () => {
    const child = server({ env: { IGNORE_TERM: '1' }, grace: 300 })
    const { pid } = await about(await child.ready())
    const started = Date.now()
    await child.stop()
    const took = Date.now() - started
    assert.ok(took >= 290 && took < 3000, `stopped after ${took} ms`)
    assert.deepEqual(child.info().lastExit, { code: null, signal: 'SIGKILL' })
    assert.equal(alive(pid), false)
  })

  it("stop() ends the child's own children too (its process group)", async () => {
    const child = server({ env: { GRANDCHILD: '1' } })
    const { pid, grandchild } = await about(await child.ready())
    assert.ok(grandchild !== undefined && alive(grandchild), 'the grandchild runs')
    await child.stop()
    assert.deepEqual(await survivors([pid, grandchild]), [])
  })
})

describe('Child: no child outlives its parent', () => {
  function startParent(): { parent: ChildProcess; output: () => string; pids: Promise<number[]> } {
    // Its own process group, so that a Ctrl-C can be sent to the group as a terminal does.
    const parent = spawn(NODE, ['--import', TSX, PARENT], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    parents.push(parent)
    let text = ''
    parent.stderr?.on('data', (chunk) => {
      text += chunk
    })
    const pids = new Promise<number[]>((resolve, reject) => {
      parent.stdout?.on('data', (chunk) => {
        text += chunk
        const line = /^\{.*\}$/m.exec(text)
        if (line) {
          const { pid, grandchild, watchdog } = JSON.parse(line[0])
          resolve([pid, grandchild, watchdog])
        }
      })
      parent.once('exit', () => reject(new Error(`the parent exited early:\n${text}`)))
    })
    return { parent, output: () => text, pids }
  }

  const kills: [string, (parent: ChildProcess) => void][] = [
    ['SIGTERM', (parent) => parent.kill('SIGTERM')],
    ['SIGINT to its group (Ctrl-C)', (parent) => process.kill(-(parent.pid as number), 'SIGINT')],
    ['SIGKILL', (parent) => parent.kill('SIGKILL')],
  ]
  for (const [how, kill] of kills) {
    it(`the parent killed by ${how}: no child, grandchild or watchdog survives`, async () => {
      const { parent, output, pids } = startParent()
      const [pid, grandchild, watchdog] = await pids
      assert.ok(
        [pid, grandchild, watchdog].every((p) => typeof p === 'number' && alive(p)),
        output(),
      )
      assert.match(output(), /^\[fixture\] listening on \d+$/m, 'default log: "[name] line"')
      assert.match(output(), /^\[fixture\] a line on stderr$/m)
      const exited = new Promise((resolve) => parent.once('exit', resolve))
      kill(parent)
      await exited
      const left = await survivors([pid, grandchild, watchdog] as number[])
      for (const p of left) process.kill(p, 'SIGKILL')
      assert.deepEqual(left, [])
    })
  }
})

// spawn(): real child processes started, supervised, forwarded to and stopped.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { mount, subdomains } from '../src/index.ts'
import { spawn } from '../src/node.ts'
import { listen, send } from './support/http.ts'
import { alive, gone } from './support/processes.ts'

const APP = fileURLToPath(new URL('fixtures/spawn-app.mjs', import.meta.url))
const quiet = { log: () => {} }

test('a spawned app serves under its mount, is restarted after a SIGKILL, and stops on close()', async () => {
  const app = mount(null, { '/py': spawn([process.execPath, APP], quiet) })
  const running = await listen(app)
  try {
    const first = JSON.parse((await send(running.port, '/py/a?b=1')).body)
    assert.equal(first.path, '/a?b=1')
    assert.equal(first.prefix, '/py')
    assert.equal(JSON.parse((await send(running.port, '/py/')).body).pid, first.pid)
    process.kill(first.pid, 'SIGKILL')
    assert.equal(await gone(first.pid), true)
    // Requests meanwhile wait for the restarted process, never hang or fail.
    const after = JSON.parse((await send(running.port, '/py/again')).body)
    assert.notEqual(after.pid, first.pid)
    assert.equal(after.path, '/again')
    await app.close()
    assert.equal(await gone(after.pid), true, 'no child alive after close()')
  } finally {
    await running.close()
  }
})

test('a Unix socket, and a process that never becomes ready answers 503 within readyTimeout', async () => {
  const app = mount(null, {
    '/sock': spawn([process.execPath, APP], { ...quiet, port: 'socket' }),
    '/never': spawn([process.execPath, '-e', 'setInterval(() => {}, 1000)'], {
      ...quiet,
      readyTimeout: '300ms',
      restart: false,
    }),
  })
  const running = await listen(app)
  try {
    assert.equal(JSON.parse((await send(running.port, '/sock/x')).body).path, '/x')
    const started = Date.now()
    const never = await send(running.port, '/never/')
    assert.equal(never.status, 503)
    assert.match(never.body, /not ready/)
    assert.ok(Date.now() - started < 3000)
  } finally {
    await running.close()
    await app.close()
  }
})

test("one process per tenant: 20 concurrent first requests start one; an evicted tenant's process stops", async () => {
  let created = 0
  const tenants = subdomains(
    'example.com',
    (tenant) => {
      created++
      return spawn([process.execPath, APP], { ...quiet, env: { TENANT: tenant } })
    },
    { max: 1 },
  )
  const running = await listen(tenants)
  try {
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => send(running.port, '/', { host: 'acme.example.com' })),
    )
    const pids = new Set(replies.map((r) => JSON.parse(r.body).pid))
    assert.equal(pids.size, 1)
    assert.equal(created, 1)
    const acme = JSON.parse(replies[0]?.body ?? '{}')
    assert.equal(acme.tenant, 'acme')
    const globex = JSON.parse((await send(running.port, '/', { host: 'globex.example.com' })).body)
    assert.equal(globex.tenant, 'globex')
    assert.equal(await gone(acme.pid), true, "the evicted tenant's process is stopped")
    assert.equal(alive(globex.pid), true)
    await tenants.close()
    assert.equal(await gone(globex.pid), true)
  } finally {
    await running.close()
  }
})

test('spawn() validates its options at build time', () => {
  assert.throws(() => spawn([] as string[]), /command must be a non-empty argv array/)
  assert.throws(() => spawn(['x'], { port: 'any' as never }), /port must be/)
  assert.throws(() => spawn(['x'], { timeout: 'soon' }), /timeout/)
})

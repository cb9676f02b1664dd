// Fault injection (issue 6, item 3), part 2: leaves that throw, reject, fail after their
// headers or mid-body, and clients that leave mid-upload or mid-download, through both entries.
// After each fault the server still serves, and nothing escapes as an unhandledRejection or
// uncaughtException (checked after every test).
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { abortDownload, abortUpload, fetchOnce } from './support/client.ts'
import { entries, type Running } from './support/entries.ts'
import { faultyLeaves, seen } from './support/fault-apps.ts'

const escaped: unknown[] = []
process.on('unhandledRejection', (error) => escaped.push(error))
process.on('uncaughtException', (error) => escaped.push(error))
afterEach(async () => {
  await sleep(20)
  assert.deepEqual(escaped.splice(0), [], 'nothing escaped')
})

const portOf = (running: Running) => Number(new URL(running.url).port)

for (const { name, start } of entries) {
  describe(`leaf faults through the ${name}`, () => {
    const reports: unknown[] = []
    let running: Running
    before(async () => {
      running = await start(faultyLeaves(), { onError: (error) => reports.push(error) })
    })
    after(() => running.close())

    const get = (path: string) => fetchOnce(portOf(running), path, 'localhost')
    const stillServing = async () =>
      assert.deepEqual(await get('/'), { status: 200, body: 'ok', complete: true })

    for (const path of [
      '/node/throw',
      '/node/reject',
      '/fetch/throw',
      '/fetch/reject',
      '/fetch/not-a-response',
    ]) {
      it(`${path} → 500, reported once`, async () => {
        const before = reports.length
        assert.deepEqual(await get(path), {
          status: 500,
          body: 'Internal Server Error\n',
          complete: true,
        })
        await sleep(10)
        assert.equal(reports.length - before, 1)
        await stillServing()
      })
    }

    // The Node listener writes these itself: the status line may or may not have left
    // (`res.destroy()` drops what is buffered), but a started response never completes.
    // Behind the Fetch entry the hosting server (@hono/node-server) decides: it answers 500
    // when the body fails before its first write, and cuts the connection after.
    for (const path of ['/node/after-headers', '/node/destroy', '/fetch/stream-error']) {
      it(`${path} → cut short (or 500 before anything left), never a complete 200`, async (t) => {
        t.mock.method(console, 'error', () => {}) // @hono/node-server logs the failed body
        const { status, body, complete } = await get(path)
        if (status === 200) assert.ok(!complete && 'partial'.startsWith(body), body)
        else if (status === 500) assert.equal(name, 'fetch entry')
        else assert.deepEqual({ status, complete }, { status: 0, complete: false })
        await stillServing()
      })
    }

    it('/fetch/stream-error-at-once → 500 (Fetch entry: or a cut)', async (t) => {
      t.mock.method(console, 'error', () => {})
      const reply = await get('/fetch/stream-error-at-once')
      if (name === 'node listener') {
        assert.deepEqual(reply, { status: 500, body: 'Internal Server Error\n', complete: true })
      } else assert.ok(reply.status === 500 || !reply.complete, JSON.stringify(reply))
      await stillServing()
    })

    it('client aborts mid-upload: the Node app sees the connection close', async () => {
      // Its own server, so Node's test runner pins a crash on this test, not on the hook.
      const own = await start(faultyLeaves(), { onError: () => {} })
      try {
        const closed = seen('node upload closed')
        await abortUpload(portOf(own), '/node/upload', 'localhost', seen('node upload started'))
        assert.deepEqual(await closed, [false])
      } finally {
        await own.close()
      }
      await stillServing()
    })

    it('client aborts mid-upload: the Fetch app sees request.signal abort', async () => {
      const aborted = seen('fetch upload aborted')
      await abortUpload(portOf(running), '/fetch/upload', 'localhost', seen('fetch upload started'))
      await aborted
      await stillServing()
    })

    it('client aborts mid-download: the Node app sees the response close', async () => {
      const closed = seen('node download closed')
      assert.equal(await abortDownload(portOf(running), '/node/download', 'localhost'), 'tick\n')
      await closed
      await stillServing()
    })

    it('client aborts mid-download: the Fetch app sees request.signal abort and its body is cancelled', async () => {
      const events = Promise.all([seen('fetch download aborted'), seen('fetch download cancelled')])
      await abortDownload(portOf(running), '/fetch/download', 'localhost')
      await events
      await stillServing()
    })
  })
}

it('nothing escaped after the last test either', () => {})

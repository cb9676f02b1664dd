// `switchyard serve` closes a connection the way nginx does (a lingering close): an answer
// that closes the connection before the request's body was read (a 413 to a large upload)
// reaches the client, where plain Node resets the upload and the client mostly loses the
// answer; and nothing received after it is taken for a request.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { serve } from '../src/server/serve.ts'
import { type Cli, killChildren, startCli } from './fixtures/serve-cli.ts'
import { converse, uploadTo } from './support/raw.ts'

const APP = fileURLToPath(new URL('./fixtures/linger-app.ts', import.meta.url))

describe('switchyard serve closes lingering', () => {
  // Another process: in one, the server's answer and close always run before the client's
  // next write, and nothing is lost even without lingering.
  let cli: Cli
  let port: number
  before(async () => {
    cli = await startCli([APP])
    port = Number(new URL(cli.url).port)
  })
  after(() => killChildren())

  it("answers fetch()'s large upload with the app's early 413, not a reset", async () => {
    const body = Buffer.alloc(20_000_000, 97)
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${cli.url}/too-large`, { method: 'POST', body })
      assert.equal(res.status, 413)
      assert.equal(await res.text(), 'too large')
    }
  })

  it('answers a raw upload that goes on after the answer, whole, then closes', async () => {
    for (let i = 0; i < 5; i++) {
      const got = await uploadTo(port, '/too-large', 20_000_000)
      assert.match(got, /^HTTP\/1\.1 413 [\s\S]*\r\n\r\n9\r\ntoo large\r\n0\r\n\r\n$/)
    }
  })

  it('takes nothing sent after a closing answer for a request, not even in the body', async (t) => {
    const c = await converse(port, t)
    // Half a body, answered early with a close; then the rest of it, and a request.
    c.socket.write('POST /too-large HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n0123456789')
    assert.match(await c.until(/too large\r\n0\r\n\r\n$/), /^HTTP\/1\.1 413 /)
    c.socket.write('0123456789GET /second HTTP/1.1\r\nHost: a\r\n\r\n')
    await sleep(200)
    assert.doesNotMatch(c.text, /second/)
    const seen = await (await fetch(`${cli.url}/seen`)).text()
    assert.ok(!seen.includes('/second'), seen)
    c.socket.end()
    await c.closed(1000)
    assert.ok(c.socket.destroyed, 'closed once the client closed its side')
  })
})

describe('serve() with a lingering connection', () => {
  it('closes at once for a complete request, and shuts down without waiting on a lingering one', async () => {
    const refuse = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(413, { connection: 'close' })
      res.end()
    }
    const running = await serve(refuse, { port: 0, host: '127.0.0.1' })
    const open = async (request: string) => {
      const socket = connect({ port: running.port, host: '127.0.0.1', allowHalfOpen: true })
      socket.on('error', () => {})
      socket.resume()
      socket.write(request)
      await once(socket, 'end')
      return socket
    }
    // Received whole: nothing more will come, so nothing to linger for.
    const whole = await open('GET / HTTP/1.1\r\nHost: a\r\n\r\n')
    // Nobody reads what follows: the first write is met by a reset, the second fails.
    for (let i = 0; i < 2; i++) {
      whole.write('more')
      await sleep(100)
    }
    assert.ok(whole.destroyed, 'closed by the server at once')
    // Half a body: the connection lingers, yet close() does not wait for it.
    const half = await open('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n0123')
    const started = Date.now()
    await running.close()
    assert.ok(Date.now() - started < 900, `closed in ${Date.now() - started} ms`)
    whole.destroy()
    half.destroy()
  })
})

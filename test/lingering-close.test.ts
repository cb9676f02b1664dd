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

  it('takes nothing sent after a closing answer for a request', async (t) => {
    const c = await converse(port, t)
    c.socket.write('GET /first HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
    assert.match(await c.until(/ok \/first$/), /^HTTP\/1\.1 200 /)
    // The FIN is out; the server reads on, and drops what it reads.
    c.socket.write('GET /second HTTP/1.1\r\nHost: a\r\n\r\n')
    await sleep(200)
    assert.doesNotMatch(c.text, /second/)
    const seen = await (await fetch(`${cli.url}/seen`)).text()
    assert.ok(seen.includes('/first') && !seen.includes('/second'), seen)
  })
})

describe('serve() with a lingering connection', () => {
  it('closes without waiting on a client that keeps its side open', async () => {
    const hello = (_req: IncomingMessage, res: ServerResponse) => res.end('ok')
    const running = await serve(hello, { port: 0, host: '127.0.0.1' })
    const socket = connect({ port: running.port, host: '127.0.0.1', allowHalfOpen: true })
    socket.on('error', () => {})
    socket.resume()
    socket.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
    await once(socket, 'end')
    const started = Date.now()
    await running.close()
    assert.ok(Date.now() - started < 2000, `closed in ${Date.now() - started} ms`)
    socket.destroy()
  })
})

// upstream() and spawn() with real peers: the demo's Flask and Django apps on Debian's python3
// and its `ws` server in a Node process, each started once for the file. Under a mount they
// must build links and redirects on the prefix and on the host, port and scheme the client
// used, from the forwarding headers alone (werkzeug's ProxyFix; Django's
// USE_X_FORWARDED_HOST and SCRIPT_NAME from X-Forwarded-Prefix).
import assert from 'node:assert/strict'
import { spawn as spawnChild } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { request } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { mount } from '../src/index.ts'
import { spawn, toUpgradeListener } from '../src/node.ts'
import { POLYGLOT, PYTHON, pythonPeers } from './fixtures/python-peers.ts'
import { TSX } from './support/cli.ts'
import { listen, type Running, send } from './support/http.ts'

const skip = pythonPeers()
const FETCH_DJANGO = fileURLToPath(new URL('fixtures/python-fetch-django.ts', import.meta.url))
const output: string[] = []
const log = (line: string) => void output.push(line)
const env = { PYTHONUNBUFFERED: '1' }

describe('Python apps and a ws server behind switchyard', { skip }, () => {
  const app = mount(null, {
    '/flask': spawn([PYTHON, join(POLYGLOT, 'flask_app.py'), '{port}'], { log, env }),
    '/django': spawn([PYTHON, join(POLYGLOT, 'django_app.py'), '{port}'], { log, env }),
    '/ws': spawn([process.execPath, join(POLYGLOT, 'ws-server.mjs')], { log }),
  })
  let front: Running
  let host: string

  before(async () => {
    front = await listen(app)
    front.server.on('upgrade', toUpgradeListener(app))
    host = `localhost:${front.port}`
    // The three start side by side; each answers once it is ready.
    const first = await Promise.all(['/flask/', '/django/', '/ws'].map((p) => send(front.port, p)))
    for (const reply of first) assert.equal(reply.status, 200, output.join('\n'))
  })
  after(async () => {
    await front.close()
    await app.close()
  })

  const json = async (path: string, onHost = host) => {
    const reply = await send(front.port, path, { host: onHost })
    assert.equal(reply.status, 200, reply.body)
    return JSON.parse(reply.body)
  }

  test("Flask: url_for() and redirect() are under /flask on the client's host and port", async () => {
    const seen = await json('/flask/whoami')
    assert.equal(seen.host, host)
    assert.equal(seen.scheme, 'http')
    assert.equal(seen.remote_addr, '127.0.0.1')
    assert.equal(seen.script_root, '/flask')
    assert.equal(seen.path, '/whoami')
    assert.equal(seen.link, '/flask/whoami')
    assert.equal(seen.external, `http://${host}/flask/whoami`)
    assert.equal(seen.url, `http://${host}/flask/whoami`)
    const go = await send(front.port, '/flask/go', { host })
    assert.equal(go.status, 302)
    assert.equal(go.headers.location, '/flask/whoami')
    assert.match((await send(front.port, '/flask/', { host })).body, /href='\/flask\/whoami'/)
  })

  test('Flask sees whatever host the client named, and https through the Fetch entry', async () => {
    const other = await json('/flask/whoami', 'shop.localhost:8080')
    assert.equal(other.external, 'http://shop.localhost:8080/flask/whoami')
    const reply = await app.fetch(new Request('https://secure.localhost:8443/flask/whoami'))
    const seen = (await reply.json()) as Record<string, string>
    assert.equal(seen.scheme, 'https')
    assert.equal(seen.host, 'secure.localhost:8443')
    assert.equal(seen.external, 'https://secure.localhost:8443/flask/whoami')
  })

  test('a 1 MiB POST reaches Flask intact, with a Content-Length and chunked', async () => {
    const body = randomBytes(1 << 20)
    const digest = createHash('sha256').update(body).digest('hex')
    const sized = await send(front.port, '/flask/sha256', { method: 'POST', body })
    assert.deepEqual(JSON.parse(sized.body), { size: body.length, sha256: digest })
    const chunked = await postChunked(front.port, '/flask/sha256', body)
    assert.deepEqual(JSON.parse(chunked), { size: body.length, sha256: digest })
    const fetched = await app.fetch(
      new Request('http://localhost/flask/sha256', { method: 'POST', body }),
    )
    assert.deepEqual(await fetched.json(), { size: body.length, sha256: digest })
  })

  test('Django: reverse(), redirect(), get_host() and build_absolute_uri() under /django', async () => {
    const seen = await json('/django/whoami')
    assert.equal(seen.host, host)
    assert.equal(seen.scheme, 'http')
    assert.equal(seen.path, '/django/whoami')
    assert.equal(seen.path_info, '/whoami')
    assert.equal(seen.link, '/django/whoami')
    assert.equal(seen.absolute, `http://${host}/django/whoami`)
    assert.equal(seen.home, `http://${host}/django/`)
    const go = await send(front.port, '/django/go', { host })
    assert.equal(go.status, 302)
    assert.equal(go.headers.location, '/django/whoami')
  })

  // Django's runserver ends its answers by closing the connection (no Content-Length).
  test("Django through the Fetch entry: answers end, links on the Request URL's origin", async () => {
    const child = spawnChild(process.execPath, ['--import', TSX, FETCH_DJANGO], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000)
    const [code, signal] = await once(child, 'exit')
    clearTimeout(timer)
    assert.equal(signal, null, 'dispatcher.fetch() to Django did not finish within 8 s')
    assert.equal(code, 0)
    const [plain, secure, home] = JSON.parse(out)
    assert.equal(plain.status, 200)
    assert.equal(plain.body.absolute, 'http://localhost/django/whoami')
    assert.equal(secure.body.scheme, 'https')
    assert.equal(secure.body.absolute, 'https://secure.localhost:8443/django/whoami')
    assert.match(home.body, /href='\/django\/whoami'/)
  })

  test('Django takes a 1 MiB POST with a Content-Length', async () => {
    const body = randomBytes(1 << 20)
    const reply = await send(front.port, '/django/sha256', { method: 'POST', body })
    assert.deepEqual(JSON.parse(reply.body), {
      size: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    })
  })

  test('a WebSocket reaches the ws server in its own process, both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${front.port}/ws`)
    const messages: string[] = []
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        messages.push(String(data))
        if (messages.length === 1) ws.send('hi')
        else resolve()
      })
      ws.on('error', reject)
    })
    ws.close()
    assert.match(messages[0] as string, /^connected to pid \d+ at \/ws$/)
    assert.notEqual(messages[0], `connected to pid ${process.pid} at /ws`)
    assert.equal(messages[1], 'echo: hi')
  })
})

/** POSTs `body` in 64 KiB chunks with Transfer-Encoding: chunked; resolves the answer's body. */
function postChunked(port: number, path: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve(Buffer.concat(chunks).toString()))
      res.on('error', reject)
    })
    req.on('error', reject)
    for (let at = 0; at < body.length; at += 1 << 16) req.write(body.subarray(at, at + (1 << 16)))
    req.end()
  })
}

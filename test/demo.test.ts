// `npm start` serves the demo: every URL the README lists answers as described.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { send } from './support/http.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

describe('npm start', () => {
  const child = spawn('npm', ['start', '--', '--port', '0', '--host', '127.0.0.1'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  let port = 0

  before(async () => {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), 30_000)
      const read = (chunk: Buffer) => {
        output += chunk.toString()
        const match = output.match(/http:\/\/127\.0\.0\.1:(\d+)/)
        if (match) {
          clearTimeout(timer)
          resolve(Number(match[1]))
        }
      }
      child.stdout.on('data', read)
      child.stderr.on('data', read)
    })
  })
  after(() => {
    // npm runs the CLI in a child of its own: stop the whole group.
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM')
  })

  it('serves the Hono frontend, the Express backend and the Fastify API', async () => {
    assert.match((await send(port, '/')).body, /switchyard demo/)
    const backend = await send(port, '/backend/whoami')
    assert.equal(JSON.parse(backend.body).baseUrl, '/backend')
    assert.equal(JSON.parse((await send(port, '/api/health')).body).app, 'fastify')
  })

  it('creates tenants lazily and answers 404 for unknown ones', async () => {
    const first = JSON.parse((await send(port, '/whoami', { host: 'acme.localhost' })).body)
    const second = JSON.parse((await send(port, '/whoami', { host: 'acme.localhost' })).body)
    assert.equal(first.tenant, 'acme')
    assert.equal(first.createdAt, second.createdAt, 'the same instance served both')
    assert.equal((await send(port, '/', { host: 'nobody.localhost' })).status, 404)
  })

  it('echoes over WebSocket at /ws', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    const messages: string[] = []
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        messages.push(data.toString())
        if (messages.length === 1) ws.send('hi')
        else resolve()
      })
      ws.on('error', reject)
    })
    ws.close()
    assert.match(messages[0] as string, /connected/)
    assert.equal(messages[1], 'echo: hi')
  })

  it('logs which app served each request', () => {
    assert.match(output, /GET \/backend\/whoami → \/backend 200/)
    assert.match(output, /GET \/whoami → key acme \/ 200/)
  })
})

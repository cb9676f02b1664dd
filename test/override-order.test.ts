// Someone turned @hono/node-server's global override on before switchyard/node was imported
// (another server in the process, a framework's own adapter): responses are written once.
import assert from 'node:assert/strict'
import { Agent, request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { getRequestListener } from '@hono/node-server'

// First thing: the override is on, so every Response from here on is a lightweight one.
getRequestListener(() => new Response('elsewhere'))
const LightResponse = globalThis.Response

describe('the override turned on before switchyard/node is imported', () => {
  const errors: unknown[] = []
  let port = 0
  let close: () => Promise<void> = async () => {}

  before(async () => {
    const { Hono } = await import('hono')
    const { mount } = await import('../src/index.ts')
    const { serve } = await import('../src/node.ts')
    const hono = new Hono()
      .get('/', (c) => c.text('ok'))
      .get('/native', async () => {
        // A native Response (as from fetch()) next to lightweight ones.
        const native = await fetch(`http://127.0.0.1:${port}/backend/`)
        return new Response(await native.text(), { headers: { 'x-via': 'native' } })
      })
    const running = await serve(mount(null, { '/backend': hono }), {
      port: 0,
      host: '127.0.0.1',
      onError: (error) => errors.push(error),
    })
    port = running.port
    close = running.close
  })
  after(() => close())

  it('answers 200 keep-alive requests in a row, each written once', async () => {
    assert.notEqual(LightResponse, undefined)
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    for (let i = 0; i < 200; i++) {
      const { status, body } = await new Promise<{ status: number; body: string }>(
        (resolve, reject) =>
          request(
            {
              host: '127.0.0.1',
              port,
              path: i % 50 === 49 ? '/backend/native' : '/backend/',
              agent,
            },
            (res) => {
              let body = ''
              res.setEncoding('utf8')
              res.on('data', (chunk) => (body += chunk))
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
            },
          )
            .on('error', reject)
            .end(),
      )
      assert.equal(status, 200)
      assert.equal(body, 'ok')
    }
    agent.destroy()
    assert.deepEqual(errors, [])
  })
})

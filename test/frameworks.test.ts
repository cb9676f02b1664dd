// Framework instances mounted as they are (DESIGN §1): a Koa app without callback(), a
// Fastify instance without ready() or .server, directly and per tenant.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import Koa from 'koa'
import { mount, subdomains } from '../src/index.ts'
import { listen, send } from './support/http.ts'

test('a Koa app and a Fastify instance serve as they are, through both entries', async () => {
  const koa = new Koa().use((ctx) => {
    ctx.body = `koa ${ctx.path}`
  })
  const fastify = Fastify()
  fastify.get('/hello', async () => 'fastify hello')
  let closed = false
  fastify.addHook('onClose', async () => {
    closed = true
  })
  const app = mount(koa, { '/api': fastify })
  const running = await listen(app)
  try {
    assert.equal((await send(running.port, '/x')).body, 'koa /x')
    assert.equal((await send(running.port, '/api/hello')).body, 'fastify hello')
    // Middleware added after mounting counts: the callback is made on the first request.
    const late = new Koa()
    const lateApp = mount(null, { '/late': late })
    late.use((ctx) => {
      ctx.body = 'added later'
    })
    assert.equal(
      await (await lateApp.fetch(new Request('http://localhost/late/'))).text(),
      'added later',
    )
    assert.equal(
      await (await app.fetch(new Request('http://localhost/api/hello'))).text(),
      'fastify hello',
    )
  } finally {
    await running.close()
  }
  assert.equal(closed, false)
  await app.close()
  assert.equal(closed, true, 'close() closes the Fastify instance switchyard started')
})

test('a Fastify instance per tenant is ready before it is cached, and closed when evicted', async () => {
  let creations = 0
  const closed: string[] = []
  const tenants = subdomains(
    'example.com',
    (tenant) => {
      creations++
      const app = Fastify()
      app.register(async (scope) => {
        // A plugin that takes time to boot: requests must wait for it.
        await new Promise((resolve) => setTimeout(resolve, 50))
        scope.get('/', async () => `tenant ${tenant}`)
      })
      app.addHook('onClose', async () => {
        closed.push(tenant)
      })
      return app
    },
    { max: 1 },
  )
  const running = await listen(tenants)
  try {
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => send(running.port, '/', { host: 'a.example.com' })),
    )
    for (const reply of replies) assert.equal(reply.body, 'tenant a')
    assert.equal(creations, 1)
    assert.equal((await send(running.port, '/', { host: 'b.example.com' })).body, 'tenant b')
    // max: 1 evicted tenant a; its instance is closed once idle.
    for (let i = 0; i < 50 && !closed.includes('a'); i++)
      await new Promise((r) => setTimeout(r, 10))
    assert.deepEqual(closed, ['a'])
  } finally {
    await running.close()
    await tenants.close()
  }
})

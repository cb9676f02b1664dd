// Errors thrown in framework routes reach the dev error page, as Flask's debugger shows
// every view error; `serve` keeps each framework's own production answer.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type Cli, startCli } from './support/cli.ts'
import { send } from './support/http.ts'

const FIXTURE = fileURLToPath(new URL('fixtures/dev-frameworks.ts', import.meta.url))

for (const command of ['dev', 'serve'] as const) {
  describe(`framework route errors under switchyard ${command}`, () => {
    let cli: Cli
    let port: number
    before(async () => {
      const flags = command === 'dev' ? ['--no-spare'] : []
      cli = startCli(
        [command, FIXTURE, '--port', '0', '--host', '127.0.0.1', ...flags],
        process.cwd(),
      )
      port = Number((await cli.waitFor(/127\.0\.0\.1:(\d+)/))[1])
    })
    after(() => cli.stop())

    for (const [path, message] of [
      ['/express/sync', 'thrown in an Express route'],
      ['/express/async', 'rejected in an async Express route'],
      ['/hono/sync', 'thrown in a Hono route'],
    ]) {
      it(`${path}: ${command === 'dev' ? 'the error page' : 'a plain 500, no details'}`, async () => {
        const reply = await send(port, path as string, { host: '127.0.0.1' })
        assert.equal(reply.status, 500)
        if (command === 'dev') {
          assert.match(String(reply.headers['content-type']), /text\/html/)
          assert.match(reply.body, new RegExp(message as string))
        } else {
          assert.doesNotMatch(reply.body, new RegExp(message as string))
        }
      })
    }

    it("a Koa app mounted as it is: the error page under dev, Koa's own 500 under serve", async () => {
      const reply = await send(port, '/koa/x', { host: '127.0.0.1' })
      assert.equal(reply.status, 500)
      if (command === 'dev') {
        assert.match(String(reply.headers['content-type']), /text\/html/)
        assert.match(reply.body, /thrown in a Koa middleware/)
        assert.match(reply.body, /dev-frameworks\.ts/)
      } else assert.equal(reply.body, 'Internal Server Error')
      const missing = await send(port, '/koa/missing', { host: '127.0.0.1' })
      assert.equal(missing.status, 404)
    })

    it('a Fastify instance mounted as it is: started by switchyard; its route errors reach the error page under dev', async () => {
      const ok = await send(port, '/fastify/ok', { host: '127.0.0.1' })
      assert.equal(ok.status, 200)
      assert.deepEqual(JSON.parse(ok.body), { ok: true })
      const reply = await send(port, '/fastify/sync', { host: '127.0.0.1' })
      assert.equal(reply.status, 500)
      if (command === 'dev') {
        assert.match(String(reply.headers['content-type']), /text\/html/)
        assert.match(reply.body, /thrown in a Fastify route/)
        assert.match(reply.body, /dev-frameworks\.ts/)
      } else {
        // Fastify's own production answer.
        assert.match(String(reply.headers['content-type']), /application\/json/)
        assert.equal(JSON.parse(reply.body).statusCode, 500)
      }
    })

    it("an HTTPException still answers Hono's own status", async () => {
      const reply = await send(port, '/hono/denied', { host: '127.0.0.1' })
      assert.equal(reply.status, 401)
    })
  })
}

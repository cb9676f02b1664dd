// The Flask docs' three examples, written with switchyard, tested as the prose describes them.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { application as byPath } from '../examples/seeds/by-path.ts'
import { application as bySubdomain } from '../examples/seeds/by-subdomain.ts'
import { application as combining } from '../examples/seeds/combining.ts'
import { listen, send } from './support/http.ts'

describe('Combining applications', async () => {
  const server = await listen(combining)
  after(() => server.close())

  it('runs the main application on / and the backend interface on /backend', async () => {
    assert.equal((await send(server.port, '/')).body, 'frontend')
    assert.equal((await send(server.port, '/backend')).body, 'backend at /backend')
    assert.equal((await send(server.port, '/backend/')).body, 'backend at /backend')
  })
})

describe('Dispatch by subdomain', async () => {
  const server = await listen(bySubdomain)
  after(() => server.close())

  it('creates the instance for a subdomain when it does not exist yet, and remembers it', async () => {
    const first = await send(server.port, '/', { host: 'alice.example.com' })
    const second = await send(server.port, '/', { host: 'alice.example.com:5000' })
    assert.equal(first.body, 'Hello Alice (pro), visit 1')
    // The same instance, with its own state, served the second request.
    assert.equal(second.body, 'Hello Alice (pro), visit 2')
    assert.equal(
      (await send(server.port, '/', { host: 'bob.example.com' })).body,
      'Hello Bob (free), visit 1',
    )
    assert.deepEqual(
      bySubdomain
        .instances()
        .map((info) => info.key)
        .sort(),
      ['alice', 'bob'],
    )
  })

  it('answers 404 when there is no user for the subdomain', async () => {
    const reply = await send(server.port, '/', { host: 'mallory.example.com' })
    assert.equal(reply.status, 404)
  })

  it('never lets a host outside the domain through (the seed asserts; here it is a 404)', async () => {
    assert.equal((await send(server.port, '/', { host: 'aliceexample.com' })).status, 404)
    assert.equal((await send(server.port, '/', { host: 'alice.example.org' })).status, 404)
  })
})

describe('Dispatch by path', async () => {
  const server = await listen(byPath)
  after(() => server.close())

  it('looks at the request path up to the first slash and strips it for the instance', async () => {
    const reply = await send(server.port, '/alice/whoami')
    assert.equal(reply.status, 200)
    const body = JSON.parse(reply.body) as { user: string; url: string }
    assert.equal(body.user, 'Alice')
    assert.equal(new URL(body.url).pathname, '/whoami')
  })

  it('falls back to the default app, path unshifted, when the creator returns None', async () => {
    assert.equal((await send(server.port, '/nobody/x')).body, 'default app: /nobody/x')
    assert.equal((await send(server.port, '/')).body, 'default app: /')
  })
})

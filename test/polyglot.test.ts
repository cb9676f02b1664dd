// The polyglot demo (examples/polyglot/app.ts) end to end, under `switchyard serve` and under
// `switchyard dev` (what `npm run demo:polyglot` runs): Express at /, Flask, Django, the ws
// server and a process per tenant all answer; each runs in its own process, and none of them
// outlives the server.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { pythonPeers } from './fixtures/python-peers.ts'
import { type Cli, startCli } from './support/cli.ts'
import { send } from './support/http.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ENTRY = 'examples/polyglot/app.ts'
const skip = pythonPeers()

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function echo(port: number): Promise<string[]> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
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
  return messages
}

// serve and dev side by side: each mostly waits on its processes starting and stopping.
describe('the polyglot demo', { skip, concurrency: 2 }, () => {
  for (const command of ['serve', 'dev'] as const) {
    describe(`under switchyard ${command}`, { concurrency: 1 }, () => {
      let cli: Cli
      let port: number
      let host: string
      const pids = new Set<number>()

      before(async () => {
        cli = startCli([command, ENTRY, '--port', '0', '--host', '127.0.0.1'], ROOT)
        port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
        host = `localhost:${port}`
      })
      after(async () => {
        await cli.stop()
      })

      const json = async (path: string, onHost = host) => {
        const reply = await send(port, path, { host: onHost })
        assert.equal(reply.status, 200, `${path} on ${onHost}: ${reply.body}\n${cli.output()}`)
        return JSON.parse(reply.body)
      }

      it('serves every part, each Python app and the ws server in a process of its own', async () => {
        const [home, flask, django, page] = await Promise.all([
          send(port, '/', { host }),
          json('/flask/whoami'),
          json('/django/whoami'),
          send(port, '/ws', { host }),
        ])
        for (const link of ['/flask/', '/django/', '/ws', `http://acme.${host}/`]) {
          assert.ok(home.body.includes(`href="${link}"`), `the home page links to ${link}`)
        }
        assert.equal(flask.external, `http://${host}/flask/whoami`)
        assert.equal(django.absolute, `http://${host}/django/whoami`)
        assert.match(page.body, /WebSocket echo/)
        const messages = await echo(port)
        assert.equal(messages[1], 'echo: hi')
        const ws = Number(/pid (\d+)/.exec(messages[0] as string)?.[1])
        const server = cli.child.pid as number
        for (const pid of [flask.pid, django.pid, ws]) {
          assert.ok(Number.isInteger(pid) && pid !== server && alive(pid))
          pids.add(pid)
        }
        assert.equal(new Set([flask.pid, django.pid, ws]).size, 3)
        // Their output reaches switchyard's, after each one's name.
        await cli.waitFor(/\[flask\] .*GET \/whoami/)
        await cli.waitFor(/\[django\] .*GET \/whoami/)
      })

      it('gives acme.localhost a process of its own, kept for its next request', async () => {
        const [acme, again] = await Promise.all([
          json('/whoami', `acme.${host}`),
          json('/whoami', `acme.${host}`),
        ])
        const globex = await json('/whoami', `globex.${host}`)
        assert.equal(acme.tenant, 'acme')
        assert.equal(again.pid, acme.pid)
        assert.equal(globex.tenant, 'globex')
        assert.notEqual(globex.pid, acme.pid)
        assert.equal((await json('/whoami', `acme.${host}`)).pid, acme.pid)
        assert.match((await send(port, '/', { host: `acme.${host}` })).body, /Tenant acme/)
        pids.add(acme.pid).add(globex.pid)
      })

      it('leaves no process behind when it stops', async () => {
        assert.equal(pids.size, 5)
        await cli.stop()
        for (const end = Date.now() + 8000; Date.now() < end && [...pids].some(alive); )
          await sleep(25)
        assert.deepEqual(
          [...pids].filter(alive),
          [],
          `still running after switchyard ${command} stopped`,
        )
      })
    })
  }
})

it('npm run demo:polyglot runs the demo under switchyard dev', () => {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  assert.equal(scripts['demo:polyglot'], `node --import tsx src/bin.ts dev ${ENTRY}`)
})

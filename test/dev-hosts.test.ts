// `switchyard dev` against DNS rebinding: only local Hosts (and --allowed-hosts) are answered,
// over real sockets with any Host a browser on another site could send.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { type Cli, startCli } from './support/cli.ts'
import { send } from './support/http.ts'

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))

interface Dev {
  cli: Cli
  port: number
}

const started: Cli[] = []

async function dev(...flags: string[]): Promise<Dev> {
  const cli = startCli(['dev', 'dev-app.ts', '--port', '0', '--no-spare', ...flags], FIXTURES)
  started.push(cli)
  const exited = cli.exit.then((code) => {
    throw new Error(`switchyard dev exited (${code}):\n${cli.output()}`)
  })
  const listening = cli.waitFor(/http:\/\/[^\s]+:(\d+)/)
  const port = Number((await Promise.race([listening, exited]))[1])
  return { cli, port }
}

/** An upgrade request with `host`, over a raw socket; resolves the status line and body. */
async function upgrade(port: number, host: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(`GET /ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`)
  let text = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => {
    text += chunk
  })
  socket.on('error', () => {})
  const closed = once(socket, 'close')
  const deadline = Date.now() + 3000
  while (!/\r\n\r\n/.test(text) && Date.now() < deadline) await sleep(10)
  if (text.startsWith('HTTP/1.1 101')) {
    socket.write('hi')
    while (!text.includes('echo:hi') && Date.now() < deadline) await sleep(10)
  } else await Promise.race([closed, sleep(1000)])
  socket.destroy()
  return text
}

/** A non-internal IPv4 address of this machine, if it has one. */
function lanAddress(): string | undefined {
  for (const entries of Object.values(networkInterfaces()))
    for (const entry of entries ?? [])
      if (entry.family === 'IPv4' && !entry.internal) return entry.address
  return undefined
}

describe('switchyard dev Host check', () => {
  // Started together, awaited by the tests that use them: one failing to start fails its tests.
  let servers: Record<'local' | 'allowing' | 'everywhere' | 'all', Promise<Dev>>

  before(async () => {
    servers = {
      local: dev('--host', '127.0.0.1'),
      allowing: dev(
        '--host',
        'localhost',
        '--allowed-hosts',
        'example.test, .corp.test',
        '--allowed-hosts',
        '10.9.8.7',
      ),
      everywhere: dev('--host', '0.0.0.0'),
      all: dev('--host', '127.0.0.1', '--allowed-hosts', 'all'),
    }
    // Failures surface in the tests that await them.
    for (const ready of Object.values(servers)) ready.catch(() => {})
    await Promise.allSettled(Object.values(servers))
  })
  after(async () => {
    const codes = await Promise.all(started.map((cli) => cli.stop()))
    assert.ok(
      codes.every((code) => code === 0 || code === 2),
      `exit codes ${codes}`,
    )
  })
  it('answers 403 with a hint to a foreign Host, without reaching the worker', async () => {
    const local = await servers.local
    for (const host of [
      'attacker.example',
      'attacker.example:80',
      `ATTACKER.Example.:${local.port}`,
      'localhost.attacker.example',
      'evillocalhost',
      '127.0.0.1.attacker.example',
      '10.0.0.1',
      '[::2]',
    ]) {
      const got = await send(local.port, '/probe-refused', { host, agent: false })
      assert.equal(got.status, 403, host)
      assert.match(got.headers['content-type'] as string, /^text\/plain/)
      const name = host.toLowerCase().replace(/\.?(:\d+)?$/, '')
      assert.ok(got.body.includes(`--allowed-hosts ${name}`), `${host}: ${got.body}`)
      assert.match(got.body, /source code/)
    }
    // The worker logs what it serves: a later request is logged, the refused ones never were.
    await send(local.port, '/probe-allowed', { agent: false })
    await local.cli.waitFor(/GET \/probe-allowed/)
    assert.doesNotMatch(local.cli.output(), /GET \/probe-refused/)
    assert.match(local.cli.output(), /refused Host "attacker\.example" \(403\)/)
  })

  it('relays localhost, *.localhost and loopback addresses, with any port, case, trailing dot', async () => {
    const local = await servers.local
    for (const host of [
      'localhost',
      `localhost:${local.port}`,
      `acme.localhost:${local.port}`,
      'a.b.LOCALHOST.',
      `127.0.0.1:${local.port}`,
      '127.8.9.10',
      `[::1]:${local.port}`,
      '[::ffff:127.0.0.1]',
    ]) {
      const got = await send(local.port, '/ok', { host, agent: false })
      assert.equal(got.status, 200, host)
      assert.match(got.body, /^app \d+ \S+ \/ok$/, host)
    }
  })

  it('answers 400 to a missing, repeated or malformed Host', async () => {
    const local = await servers.local
    const raw = async (head: string) => {
      const socket = connect(local.port, '127.0.0.1')
      await once(socket, 'connect')
      socket.end(`${head}\r\n\r\n`)
      let text = ''
      socket.setEncoding('latin1')
      socket.on('data', (chunk: string) => {
        text += chunk
      })
      await once(socket, 'close')
      return text.slice(0, 12)
    }
    assert.equal(await raw('GET / HTTP/1.0'), 'HTTP/1.1 400')
    assert.equal(
      await raw('GET / HTTP/1.1\r\nHost: localhost\r\nHost: attacker.example'),
      'HTTP/1.1 400',
    )
    assert.equal(await raw('GET / HTTP/1.1\r\nHost: local_host@evil'), 'HTTP/1.1 400')
  })

  it('refuses an upgrade with a foreign Host and relays one with a local Host', async () => {
    const local = await servers.local
    const refused = await upgrade(local.port, 'attacker.example')
    assert.match(refused, /^HTTP\/1\.1 403 Forbidden\r\n/)
    assert.match(refused, /--allowed-hosts attacker\.example/)
    const relayed = await upgrade(local.port, `localhost:${local.port}`)
    assert.match(relayed, /^HTTP\/1\.1 101 /)
    assert.match(relayed, /echo:hi/)
  })

  it('--allowed-hosts adds names, domains with their subdomains, and addresses', async () => {
    const allowing = await servers.allowing
    for (const host of [
      'example.test',
      'EXAMPLE.test.:8080',
      'corp.test',
      'a.b.corp.test',
      '10.9.8.7',
      'localhost',
    ]) {
      const got = await send(allowing.port, '/ok', { host, agent: false })
      assert.equal(got.status, 200, host)
    }
    for (const host of ['a.example.test', 'notcorp.test', 'attacker.example', '10.9.8.6']) {
      const got = await send(allowing.port, '/ok', { host, agent: false })
      assert.equal(got.status, 403, host)
    }
    assert.equal((await upgrade(allowing.port, 'x.corp.test')).slice(0, 12), 'HTTP/1.1 101')
  })

  it('--allowed-hosts all turns the check off', async () => {
    const all = await servers.all
    const got = await send(all.port, '/ok', { host: 'attacker.example', agent: false })
    assert.equal(got.status, 200)
    assert.match(all.cli.output(), /--allowed-hosts all/)
  })

  it('--host 0.0.0.0 warns that the source is exposed and answers its own addresses', async () => {
    const everywhere = await servers.everywhere
    const local = await servers.local
    assert.match(everywhere.cli.output(), /error pages show source code to anyone who can reach/)
    assert.doesNotMatch(local.cli.output(), /to anyone who can reach/)
    const lan = lanAddress()
    for (const host of ['localhost', '127.0.0.1', ...(lan === undefined ? [] : [lan])]) {
      const got = await send(everywhere.port, '/ok', { host: `${host}:${everywhere.port}` })
      assert.equal(got.status, 200, host)
    }
    const foreign = await send(everywhere.port, '/ok', { host: 'attacker.example', agent: false })
    assert.equal(foreign.status, 403)
  })
})

describe('switchyard dev --allowed-hosts', () => {
  it('is in --help; a malformed entry exits 2 naming it', async () => {
    const help = startCli(['dev', '--help'], process.cwd())
    const bad = startCli(['dev', 'dev-app.ts', '--allowed-hosts', 'ok.test,bad host'], FIXTURES)
    const port = startCli(['dev', 'dev-app.ts', '--allowed-hosts', 'a.test:80'], FIXTURES)
    assert.deepEqual(await Promise.all([help.exit, bad.exit, port.exit]), [0, 2, 2])
    assert.match(help.output(), /--allowed-hosts <list>/)
    assert.match(bad.output(), /--allowed-hosts: invalid host "bad host"/)
    assert.match(port.output(), /a port is not allowed/)
  })
})

// `switchyard serve --workers 2 --affinity host`: each tenant's connections reach one worker,
// whatever else a connection carries; and the primary's reading of first heads, in process,
// against what Node's own server answers.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { Agent, createServer, type Server as HttpServer } from 'node:http'
import { connect, type Server, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { listenForHeads } from '../src/server/affinity.ts'
import { FOREIGN, headEnd, headHost, MORE } from '../src/server/affinity-head.ts'
import { acceptConnection } from '../src/server/affinity-worker.ts'
import { Rendezvous } from '../src/server/rendezvous.ts'
import { creations, getHost, type HostReply, tenantHosts } from './deploy/http.ts'
import { type Cli, killChildren, runCli, startCli, until } from './fixtures/serve-cli.ts'
import { exchange } from './support/raw.ts'

const APP = fileURLToPath(new URL('deploy/tenant-app.ts', import.meta.url))
const HOSTS = tenantHosts(40)
after(killChildren)

/** Each host's pid over `rounds` requests, each on a fresh connection. */
async function pidsOf(port: number, hosts: string[], rounds: number) {
  const pids = new Map<string, Set<string>>()
  for (let round = 0; round < rounds; round++) {
    const replies = await Promise.all(hosts.map((host) => getHost(port, host)))
    replies.forEach((reply, i) => {
      assert.equal(reply.status, 200, reply.body)
      const host = hosts[i] as string
      pids.set(host, (pids.get(host) ?? new Set()).add(reply.pid))
    })
  }
  return pids
}

const single = (pids: Map<string, Set<string>>) =>
  new Map([...pids].map(([host, set]) => [host, [...set].join(',')]))

describe('switchyard serve --affinity: usage', () => {
  it('a value other than host or none exits 2 and says which are allowed', async () => {
    const { code, stderr } = await runCli([APP, '--affinity', 'sideways'])
    assert.equal(code, 2)
    assert.match(stderr, /--affinity must be "host" or "none", got "sideways"/)
  })
})

describe('switchyard serve --workers 2 --affinity host', () => {
  let cli: Cli
  let port: number
  before(async () => {
    cli = await startCli([APP, '--workers', '2', '--affinity', 'host'])
    port = Number(new URL(cli.url).port)
  })

  it('answers every tenant from one worker, and creates each tenant once', async () => {
    const pids = await pidsOf(port, HOSTS, 3)
    for (const [host, set] of pids) assert.equal(set.size, 1, `${host}: ${[...set]}`)
    const workers = new Set([...pids.values()].flatMap((set) => [...set]))
    assert.equal(workers.size, 2, 'both workers take tenants')
    assert.ok(!workers.has(String(cli.child.pid)), 'the primary serves nothing')
    const created = await until(() => {
      const byKey = creations(cli.out.stdout)
      return byKey.size === HOSTS.length ? byKey : undefined
    }, 2000)
    for (const [key, where] of created) assert.equal(where.length, 1, `${key}: ${where}`)
  })

  it('loses nothing sent after the head while connections wait to be handed over', async () => {
    // 40 at once, so sockets queue in the primary (Node sends one handle at a time): each
    // sends a head, then a pipelined request a moment later, then its FIN (half-close).
    const one = (i: number) =>
      new Promise<string>((resolve) => {
        const host = HOSTS[i % HOSTS.length] as string
        const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
        let text = ''
        socket.on('data', (chunk) => {
          text += chunk
        })
        socket.on('error', () => {})
        socket.on('close', () => resolve(text))
        socket.write(`GET /first HTTP/1.1\r\nHost: ${host}\r\n\r\n`, () => {
          setTimeout(() => socket.end(`GET /second HTTP/1.1\r\nHost: ${host}\r\n\r\n`), 5)
        })
        setTimeout(() => socket.destroy(), 5000)
      })
    const texts = await Promise.all(Array.from({ length: 40 }, (_, i) => one(i)))
    const answered = texts.map((text) => text.match(/HTTP\/1\.1 200/g)?.length ?? 0)
    assert.deepEqual(answered, new Array(40).fill(2), 'both requests of every connection answered')
  })

  it('serves every Host of a kept-alive connection in its worker, correctly', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const replies: HostReply[] = []
    for (const host of HOSTS.slice(0, 10)) replies.push(await getHost(port, host, '/', agent))
    agent.destroy()
    assert.deepEqual(
      replies.map((r) => r.key),
      HOSTS.slice(0, 10).map((h) => h.split('.')[0]),
    )
    assert.equal(new Set(replies.map((r) => r.pid)).size, 1, 'one connection, one worker')
  })

  it('hands over the bytes that follow the first head: pipelined requests, bodies', async () => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.on('data', (chunk) => {
      text += chunk
    })
    const req = (host: string, extra = '') =>
      `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\n${extra}\r\nbody`
    socket.write(req('t1.example.test').slice(0, -4))
    socket.write(`body${req('t2.example.test')}`)
    setImmediate(() => socket.write(req('t3.example.test', 'Connection: close\r\n')))
    await once(socket, 'close')
    assert.deepEqual(
      [...text.matchAll(/\d+ (t\d) /g)].map((m) => m[1]),
      ['t1', 't2', 't3'],
    )
  })

  it('a malformed or missing Host goes to a worker, which answers 400', async () => {
    const bad = await exchange(port, 'GET / HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n')
    assert.equal(bad.status, 400)
    assert.match(bad.body, /Invalid character " " in Host header/)
    // Node's own requireHostHeader answers this one, in the worker.
    const missing = await exchange(port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n')
    assert.equal(missing.status, 400)
    assert.match(missing.text, /\r\nDate: /)
  })

  it('SIGKILL of a worker moves only its tenants, and they come back to its successor', async () => {
    const before = single(await pidsOf(port, HOSTS, 1))
    const [victim] = [...new Set(before.values())]
    process.kill(Number(victim), 'SIGKILL')
    // Connections already in the victim die with it; count from when the primary knows.
    await until(
      () => cli.out.stderr.match(`worker ${victim} was killed by SIGKILL`) ?? undefined,
      5000,
    )
    const during = single(await pidsOf(port, HOSTS, 1))
    const old = new Set(before.values())
    let successor = during
    for (const end = Date.now() + 15_000; Date.now() < end; await sleep(100)) {
      successor = single(await pidsOf(port, HOSTS, 1))
      if ([...successor.values()].some((pid) => !old.has(pid))) break
    }
    // The successor may have come in the middle of that pass: one more, all with it.
    successor = single(await pidsOf(port, HOSTS, 1))
    for (const [host, pid] of before) {
      if (pid !== victim) {
        assert.equal(during.get(host), pid, `${host} moved while another worker died`)
        assert.equal(successor.get(host), pid, `${host} moved after the replacement came`)
      } else assert.notEqual(successor.get(host), victim)
    }
    const replacements = new Set([...before].filter(([, p]) => p === victim).map(([h]) => h))
    assert.equal(new Set([...replacements].map((h) => successor.get(h))).size, 1)
  })

  it('SIGHUP under a request loop: no failure; the tenants keep sharing as before', async () => {
    const before = single(await pidsOf(port, HOSTS, 1))
    const failures: string[] = []
    let stop = false
    let ok = 0
    const loop = async (offset: number) => {
      for (let i = offset; !stop; i++) {
        try {
          const reply = await getHost(port, HOSTS[i % HOSTS.length] as string)
          if (reply.status === 200) ok++
          else failures.push(`${reply.status} ${reply.body}`)
        } catch (error) {
          failures.push((error as Error).message)
        }
      }
    }
    const loops = [loop(0), loop(7)]
    const mark = cli.out.stderr.length
    cli.child.kill('SIGHUP')
    await until(() => cli.out.stderr.includes('rolling restart done', mark) || undefined, 20_000)
    stop = true
    await Promise.all(loops)
    assert.deepEqual(failures, [])
    assert.ok(ok > 20, `only ${ok} requests`)
    const after = single(await pidsOf(port, HOSTS, 2))
    const rename = new Map<string, string>()
    for (const [host, pid] of before) {
      const now = after.get(host) as string
      assert.ok(!now.includes(','), `${host} answered by ${now}`)
      assert.notEqual(now, pid, `${host} still on the old worker`)
      assert.equal(rename.get(pid) ?? now, now, `${host} no longer shares a worker as before`)
      rename.set(pid, now)
    }
  })

  it('SIGTERM: a request in flight on a handed-over connection completes; exit 0', async () => {
    const slow = getHost(port, 't1.example.test', '/slow?ms=700')
    await sleep(200)
    cli.child.kill('SIGTERM')
    const reply = await slow
    assert.equal(reply.status, 200)
    assert.equal(reply.key, 't1')
    assert.equal(await cli.exit, 0)
  })
})

describe('the primary reading first heads (in process)', () => {
  const TIMEOUT = 300
  let heads: Server
  let node: HttpServer
  let routed: Array<string | undefined>
  before(async () => {
    routed = []
    const worker = createServer((req, res) => res.end(`ok ${req.headers.host}`))
    heads = await listenForHeads(
      {
        trustProxy: false,
        headersTimeout: TIMEOUT,
        route: (socket: Socket, head, host) => {
          routed.push(host)
          acceptConnection(worker, socket, head)
        },
      },
      0,
      '127.0.0.1',
    )
    // Node's own server with the same bound, to compare answers with.
    node = createServer({ headersTimeout: TIMEOUT, connectionsCheckingInterval: 50 }, (_q, s) =>
      s.end(),
    )
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve))
  })
  after(() => {
    heads.close()
    node.close()
  })
  const portOf = (server: Server | HttpServer) => (server.address() as { port: number }).port

  it('a slow head gets 408, byte for byte as from Node', async () => {
    const partial = 'GET / HTTP/1.1\r\nHost: t1.example.test\r\n'
    const [ours, nodes] = await Promise.all([
      stall(portOf(heads), partial),
      stall(portOf(node), partial),
    ])
    assert.equal(ours, 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n')
    assert.equal(ours, nodes)
    assert.equal(await stall(portOf(heads), ''), nodes, 'a connection that sends nothing')
  })

  it('an oversized head goes to a worker, whose parser answers 431 as Node does', async () => {
    const field = `X: ${'a'.repeat(20_000)}`
    for (const big of [
      `GET / HTTP/1.1\r\nHost: t1.example.test\r\n${field}\r\n\r\n`,
      `GET / HTTP/1.1\r\n${field}`,
    ]) {
      const reply = await exchange(portOf(heads), big)
      assert.equal(reply.status, 431)
      assert.equal(reply.text, (await exchange(portOf(node), big)).text)
    }
    assert.equal(routed.at(-1), undefined, 'an unfinished head is not read past the bound')
  })

  it('bytes that are not HTTP/1 are handed over at once, and refused there', async () => {
    for (const bytes of ['\x16\x03\x01\x02\x00\x01', 'GET / HTTP/1.1\nHost: a\n']) {
      const start = performance.now()
      const reply = await exchange(portOf(heads), bytes)
      assert.equal(reply.status, 400, JSON.stringify(bytes))
      assert.ok(performance.now() - start < TIMEOUT, 'without waiting for the head bound')
    }
  })

  it('routes on the normalized Host, or with a trusted proxy the last X-Forwarded-Host', () => {
    const head = (...fields: string[]) => `GET / HTTP/1.1\r\n${fields.join('\r\n')}\r\n\r\n`
    assert.equal(headHost(head('hOsT:  A.Example.TEST.:8080 '), false), 'a.example.test')
    assert.equal(headHost(head('Host: [::1]:80'), false), '[::1]')
    assert.equal(headHost(`\r\n${head('Host: a')}`, false), 'a')
    assert.equal(headHost(head('Host: a', 'Host: b'), false), undefined)
    assert.equal(headHost(head('Host: a b'), false), undefined)
    assert.equal(headHost(head('User-Agent: x'), false), undefined)
    const proxied = head('Host: lb', 'X-Forwarded-Host: evil, a', 'x-forwarded-host: b, c')
    assert.equal(headHost(proxied, true), 'c')
    assert.equal(headHost(proxied, false), 'lb')
    assert.equal(headHost(head('Host: lb', 'X-Forwarded-Host: a, '), true), undefined)
    const ends = Buffer.from(head('Host: a'))
    assert.equal(headEnd(ends, 100), ends.length)
    assert.equal(headEnd(Buffer.from('GE'), 100), MORE)
    assert.equal(headEnd(Buffer.from('get / HTTP/1.1\r\n'), 100), FOREIGN)
    assert.equal(headEnd(Buffer.from(`GET /${'a'.repeat(100)}`), 100), FOREIGN)
  })

  it('hashes consistently: a slot that empties moves only its hosts, and they come back', () => {
    const ring = new Rendezvous<number>(4)
    for (let i = 0; i < 4; i++) ring.set(i, i)
    const hosts = tenantHosts(1000)
    const home = hosts.map((h) => ring.pick(h) as number)
    for (let slot = 0; slot < 4; slot++) {
      const share = home.filter((s) => s === slot).length
      assert.ok(share > 180 && share < 320, `slot ${slot} has ${share} of 1000`)
    }
    ring.set(2, undefined)
    hosts.forEach((h, i) => {
      if (home[i] !== 2) assert.equal(ring.pick(h), home[i])
      else assert.notEqual(ring.pick(h), 2)
    })
    ring.set(2, 2)
    assert.deepEqual(
      hosts.map((h) => ring.pick(h)),
      home,
    )
  })
})

/** Sends `data` and waits, without closing, until the server answers and closes. */
function stall(port: number, data: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(data))
    let text = ''
    socket.on('data', (chunk) => {
      text += chunk
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve(text))
  })
}

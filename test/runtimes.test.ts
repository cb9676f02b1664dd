// The root entry on the Fetch runtimes (DESIGN §4): the minified root bundle
// (scripts/bundle-root.ts) serves the fixture in test/runtimes/app.ts on Bun
// (Bun.serve), Deno (Deno.serve) and workerd (miniflare, no compatibility flags), and
// every case is checked over HTTP on 127.0.0.1.
//
// The runtimes come from `bash scripts/install-runtimes.sh` (into .runtimes/). Without
// them the runtime suites are skipped, except under CI, where they fail.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import http from 'node:http'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ROOT } from '../scripts/bundle-root.ts'
import { buildRuntimeFixtures, type RuntimeBuild } from './runtimes/build.ts'

const RUNTIMES_DIR = resolve(ROOT, process.env.SWITCHYARD_RUNTIMES_DIR ?? '.runtimes')
const INSTALL_HINT = 'install the runtimes with `bash scripts/install-runtimes.sh`'
const DOMAIN = 'example.test'
const IN_CI = !['', '0', 'false'].includes(process.env.CI ?? '')

interface Runtime {
  name: string
  /** The installed binary or package, or undefined when the runtime is not installed. */
  locate(): string | undefined
  /** The command that serves the fixture with what locate() found. */
  command(found: string, build: RuntimeBuild): { cmd: string; args: string[] }
}

/** The binary installed by scripts/install-runtimes.sh, else one on PATH. */
function findBinary(name: string): string | undefined {
  const local = join(RUNTIMES_DIR, 'node_modules', '.bin', name)
  if (existsSync(local)) return local
  const found = spawnSync(name, ['--version'], { stdio: 'ignore' })
  return found.status === 0 ? name : undefined
}

const RUNTIMES: Runtime[] = [
  {
    name: 'Bun',
    locate: () => findBinary('bun'),
    command: (bun, build) => ({ cmd: bun, args: [build.bun] }),
  },
  {
    name: 'Deno',
    locate: () => findBinary('deno'),
    command: (deno, build) => ({
      cmd: deno,
      args: ['run', '--no-config', '--no-lock', '--allow-net', build.deno],
    }),
  },
  {
    name: 'workerd',
    locate() {
      const miniflare = join(RUNTIMES_DIR, 'node_modules', 'miniflare')
      return existsSync(join(miniflare, 'package.json')) ? miniflare : undefined
    },
    command: (miniflare, build) => ({
      cmd: process.execPath,
      args: [
        '--import',
        'tsx',
        join(ROOT, 'test', 'runtimes', 'workerd.ts'),
        miniflare,
        build.worker,
      ],
    }),
  },
]

interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
  /** Milliseconds from the first body bytes to the end, and how many reads it took. */
  spread: number
  reads: number
  text(): string
  json(): Record<string, unknown>
}

/** One request on its own connection; `host` is sent as the Host header. */
function send(
  port: number,
  host: string,
  path: string,
  options: { method?: string; body?: Buffer } = {},
): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: false },
      (res) => {
        const chunks: Buffer[] = []
        let first = 0
        res.on('data', (chunk: Buffer) => {
          if (chunks.length === 0) first = performance.now()
          chunks.push(chunk)
        })
        res.on('end', () => {
          const body = Buffer.concat(chunks)
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            spread: chunks.length === 0 ? 0 : performance.now() - first,
            reads: chunks.length,
            text: () => body.toString('utf8'),
            json: () => JSON.parse(body.toString('utf8')) as Record<string, unknown>,
          })
        })
        res.on('error', reject)
      },
    )
    req.setHeader('host', host)
    req.setTimeout(10_000, () => req.destroy(new Error(`${path}: no answer in 10 s`)))
    req.on('error', reject)
    const body = options.body
    if (body === undefined) {
      req.end()
      return
    }
    // In 64 KiB writes without a length: a chunked body, streamed.
    for (let i = 0; i < body.length; i += 65536) req.write(body.subarray(i, i + 65536))
    req.end()
  })
}

interface Server {
  child: ChildProcess
  port: number
  output: () => string
}

/** Spawns the server and waits for its "listening on http://…" line. */
function start(name: string, cmd: string, args: string[]): Promise<Server> {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1', NO_COLOR: '1' },
  })
  let log = ''
  const output = () => log.slice(-4000)
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${name} did not start within 20 s; its output:\n${output()}`))
    }, 20_000)
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8')
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolvePromise({ child, port: Number(match[1]), output })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited (${signal ?? code}) before listening:\n${output()}`))
    })
  })
}

async function stop(server: Server): Promise<void> {
  const { child } = server
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  child.stdin?.end()
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

let build: RuntimeBuild | undefined
let buildError: unknown

before(async () => {
  try {
    build = await buildRuntimeFixtures()
  } catch (error) {
    buildError = error
  }
})

it('the root entry bundles for browsers and workers, without node:* modules', () => {
  if (buildError !== undefined) throw buildError
  assert.ok(build !== undefined)
  assert.ok(build.root.bytes > 0)
})

for (const runtime of RUNTIMES) {
  const found = runtime.locate()
  const missing = `${runtime.name} is not installed: ${INSTALL_HINT}`
  if (found === undefined) {
    // A newcomer's `npm test` passes without the runtimes; CI must have them.
    if (IN_CI) it(`on ${runtime.name}: installed`, () => assert.fail(missing))
    else describe(`on ${runtime.name}`, { skip: missing }, () => {})
    continue
  }

  describe(`on ${runtime.name}`, () => {
    let server: Server | undefined
    const port = () => {
      assert.ok(server !== undefined, `${runtime.name} is not serving`)
      return server.port
    }
    const get = (host: string, path: string) => send(port(), host, path)
    const stats = async () => (await get(DOMAIN, '/stats')).json()

    before(async () => {
      if (buildError !== undefined) throw buildError
      assert.ok(build !== undefined)
      const command = runtime.command(found, build)
      server = await start(runtime.name, command.cmd, command.args)
    })

    after(async () => {
      if (server !== undefined) await stop(server)
    })

    const check = (name: string, fn: () => Promise<void>) =>
      it(name, async () => {
        try {
          await fn()
        } catch (error) {
          if (error instanceof Error && server !== undefined) {
            error.message += `\n--- ${runtime.name} output ---\n${server.output()}`
          }
          throw error
        }
      })

    check('serves the apex', async () => {
      const r = await get(DOMAIN, '/')
      assert.equal(r.status, 200)
      assert.equal(r.text(), 'apex')
    })

    check('mounts by prefix: rest path, query, X-Forwarded-Prefix, mountInfo', async () => {
      const r = await get(DOMAIN, '/api/v2/users/7?q=1')
      assert.equal(r.status, 200)
      assert.deepEqual(r.json(), {
        path: '/users/7',
        search: '?q=1',
        prefix: '/api/v2',
        basePath: '/api/v2',
        infoPath: '/users/7',
        originalUrl: '/api/v2/users/7?q=1',
        key: null,
      })
      const exact = (await get(DOMAIN, '/api/v2')).json()
      assert.equal(exact.path, '/')
      assert.equal(exact.prefix, '/api/v2')
      // Segment boundaries: /api/v2x is the default app's (Hono's own 404).
      assert.equal((await get(DOMAIN, '/api/v2x')).status, 404)
    })

    check('nests mounts: the prefix accumulates', async () => {
      const r = (await get(DOMAIN, '/outer/inner/x')).json()
      assert.equal(r.path, '/x')
      assert.equal(r.prefix, '/outer/inner')
      assert.equal(r.basePath, '/outer/inner')
      assert.equal((await get(DOMAIN, '/outer/other')).status, 404)
    })

    check('routes tenants by subdomain, one instance per key', async () => {
      const a = (await get(`a.${DOMAIN}`, '/')).json()
      assert.equal(a.key, 'a')
      assert.equal((a.info as Record<string, unknown>).key, 'a')
      const deep = (await get(`a.b.${DOMAIN}`, '/')).json()
      assert.equal(deep.key, 'a.b')
      const api = (await get(`A.${DOMAIN}:8080`, '/api/z')).json()
      assert.equal(api.path, '/z')
      assert.equal(api.prefix, '/api')
      assert.equal(api.key, 'a')
      assert.equal((await get(`a.${DOMAIN}`, '/')).json().instance, a.instance)
    })

    check('answers 404: a factory giving null, hosts outside the domain', async () => {
      assert.equal((await get(`missing.${DOMAIN}`, '/')).status, 404)
      assert.equal((await get(`evil${DOMAIN}`, '/')).status, 404)
      assert.equal((await get('127.0.0.1', '/')).status, 404)
    })

    check('answers 503 when a factory throws, and tries again next time', async () => {
      assert.equal((await get(`boom.${DOMAIN}`, '/')).status, 503)
      assert.equal((await get(`boom.${DOMAIN}`, '/')).status, 503)
      assert.equal((await stats()).boom, 2)
    })

    check('passes POST bodies through intact', async () => {
      const body = randomBytes(2 * 1024 * 1024 + 17)
      const sha256 = createHash('sha256').update(body).digest('hex')
      const apex = await send(port(), DOMAIN, '/echo', { method: 'POST', body })
      assert.equal(apex.status, 200)
      assert.deepEqual(apex.json(), { length: body.length, sha256 })
      const tenant = await send(port(), `a.${DOMAIN}`, '/echo', { method: 'POST', body })
      assert.deepEqual(tenant.json(), { key: 'a', length: body.length, sha256 })
    })

    check('streams response bodies chunk by chunk', async () => {
      const r = await get(DOMAIN, '/stream?n=4&ms=150')
      assert.equal(r.status, 200)
      assert.equal(r.text(), 'chunk 0\nchunk 1\nchunk 2\nchunk 3\n')
      assert.ok(r.reads >= 2, `one read: the body was buffered (${r.reads})`)
      assert.ok(r.spread >= 250, `the body arrived at once (${Math.round(r.spread)} ms)`)
    })

    check('caches a null briefly: negativeTtl 200ms', async () => {
      const host = `missing-negative.${DOMAIN}`
      assert.equal((await get(host, '/')).status, 404)
      assert.equal((await get(host, '/')).status, 404)
      assert.equal((await stats())['missing-negative'], 1, 'the null was not cached')
      await sleep(500)
      assert.equal((await get(host, '/')).status, 404)
      assert.equal((await stats())['missing-negative'], 2, 'the null outlived negativeTtl')
    })

    check('creates an idle tenant anew: idleTimeout 400ms', async () => {
      const host = `idle.${DOMAIN}`
      assert.equal((await get(host, '/')).json().instance, 1)
      assert.equal((await get(host, '/')).json().instance, 1)
      await sleep(1000)
      assert.equal((await get(host, '/')).json().instance, 2, 'the idle instance was kept')
      assert.equal((await stats()).idle, 2)
    })
  })
}

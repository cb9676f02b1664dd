// PORT from the environment, as hosting platforms set it: the default port of `switchyard
// serve` and `switchyard dev`, beaten by --port; a bad value is a usage error naming PORT.
// Real CLI processes, each with its own environment.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { BIN, type Cli, startProcess, TSX } from './support/cli.ts'
import { send } from './support/http.ts'

const INDEX = new URL('../src/index.ts', import.meta.url).href
let dir: string
let clis: Cli[] = []

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-port-env-'))
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  writeFileSync(
    join(dir, 'app.ts'),
    `import { mount } from ${JSON.stringify(INDEX)}
export default mount((_request: Request) => new Response('port-env app'), {})
`,
  )
})
after(async () => {
  await Promise.all(clis.map((cli) => cli.stop()))
  clis = []
  rmSync(dir, { recursive: true, force: true })
})

/** A port nothing listens on right now (the OS picks it, then it is released). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Starts a command with PORT set; resolves with the port it says it listens on. */
async function listening(port: string, args: string[]): Promise<number> {
  // startProcess passes on the test's own environment: env(1) adds PORT to it.
  // Ports are the subject here, not reloads: no spare worker is started for dev.
  const flags = args[0] === 'dev' ? ['--no-spare'] : []
  const argv = [`PORT=${port}`, process.execPath, '--import', TSX, BIN, ...args, ...flags]
  const cli = startProcess('env', [...argv, 'app.ts', '--host', '127.0.0.1'], dir)
  clis.push(cli)
  const actual = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/, 20_000))[1])
  const reply = await send(actual, '/')
  assert.equal(reply.status, 200)
  assert.equal(reply.body, 'port-env app')
  return actual
}

interface Ran {
  code: number
  stdout: string
  stderr: string
}

function run(port: string, args: string[]): Promise<Ran> {
  const argv = ['--import', TSX, BIN, ...args]
  const env = { ...process.env, PORT: port, NO_COLOR: '1' }
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { cwd: dir, env }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr })
    })
  })
}

describe('PORT from the environment', { concurrency: true }, () => {
  for (const command of ['serve', 'dev']) {
    it(`${command} listens on PORT when --port is not given`, async () => {
      const port = await freePort()
      assert.equal(await listening(String(port), [command]), port)
    })

    it(`${command}: --port beats PORT`, async () => {
      const [fromEnv, fromFlag] = [await freePort(), await freePort()]
      assert.notEqual(fromEnv, fromFlag)
      assert.equal(await listening(String(fromEnv), [command, '-p', String(fromFlag)]), fromFlag)
    })

    it(`${command}: a PORT that is not a port is a usage error naming PORT`, async () => {
      for (const bad of ['http', '70000']) {
        const { code, stderr } = await run(bad, [command, 'app.ts'])
        assert.equal(code, 2, stderr)
        assert.match(
          stderr,
          new RegExp(`switchyard ${command}: the PORT environment variable must be an integer`),
        )
        assert.match(stderr, new RegExp(`got "${bad}"`))
      }
    })

    it(`${command} --help says the default port comes from PORT`, async () => {
      const { code, stdout } = await run('', [command, '--help'])
      assert.equal(code, 0)
      assert.match(stdout, /default: the PORT environment variable,\s+else 5000/)
    })
  }
})

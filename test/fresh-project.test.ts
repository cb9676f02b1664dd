// A new user's first run: the packed tarball installed into a fresh `npm init -y` project
// with Express, Hono, Fastify and Koa, then `switchyard routes`, `dev` (one request, one
// reload) and `serve`, through the installed bin, with the project's "type" `commonjs` (as
// npm 11 writes it) and then `module` (what changes between the two is how app.ts loads, not
// what is installed, so one install serves both). Uses the npm registry (or npm's cache) like
// any new project.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { startCli } from './support/cli.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function run(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(NPM, args, { cwd, timeout: 180_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`npm ${args.join(' ')}: ${stderr || stdout}`)) : resolve(stdout),
    )
  })
}

function get(port: number, path: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve(`${res.statusCode} ${body}`))
    })
      .on('error', reject)
      .end()
  })
}

// One app of each framework under one mount, written in TypeScript.
const app = (version: string) => `import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { mount } from 'switchyard'

const fastify = Fastify()
fastify.get('/', async () => 'fastify ${version}')
// No top-level await: a "type": "commonjs" package loads app.ts as CommonJS.
void fastify.ready()
const koa = new Koa().use((ctx) => {
  ctx.body = 'koa ${version}'
})
const label: string = 'hono ${version}'

export default mount(new Hono().get('/', (c) => c.text(label)), {
  '/express': express().get('/', (_req, res) => res.send('express ${version}')),
  '/fastify': fastify.server,
  '/koa': koa.callback(),
})
`

describe('a fresh npm project with the packed tarball', { timeout: 300_000 }, () => {
  let work: string
  let dir: string
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'switchyard-fresh-'))
    await run(['pack', '--pack-destination', work, '--silent'], ROOT)
    const packed = readdirSync(work).find((name) => name.endsWith('.tgz'))
    assert.ok(packed, 'npm pack made a tarball')
    dir = join(work, 'project')
    mkdirSync(dir)
    await run(['init', '-y'], dir)
    await run(
      [
        'install',
        join(work, packed),
        'express',
        'hono',
        'fastify',
        'koa',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
      ],
      dir,
    )
  })
  after(() => rmSync(work, { recursive: true, force: true }))

  for (const type of ['commonjs', 'module']) {
    describe(`"type": "${type}"`, () => {
      before(async () => {
        await run(['pkg', 'set', `type=${type}`], dir)
        writeFileSync(join(dir, 'app.ts'), app('v1'))
      })

      it('switchyard routes prints every framework', async () => {
        const out = await run(['exec', '--', 'switchyard', 'routes', 'app.ts'], dir)
        for (const line of ['/express', '/fastify', '/koa', 'Hono'])
          assert.match(out, new RegExp(line))
      })

      it('switchyard dev answers, then reloads on a save', async () => {
        const bin = join(dir, 'node_modules', '.bin', 'switchyard')
        const cli = startInstalled(
          bin,
          ['dev', 'app.ts', '--port', '0', '--host', '127.0.0.1'],
          dir,
        )
        try {
          const port = Number((await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1])
          for (const [path, text] of [
            ['/', 'hono'],
            ['/express', 'express'],
            ['/fastify', 'fastify'],
            ['/koa', 'koa'],
          ]) {
            assert.equal(await get(port, path as string), `200 ${text} v1`)
          }
          writeFileSync(join(dir, 'app.ts'), app('v2'))
          const deadline = Date.now() + 20_000
          while ((await get(port, '/koa')) !== '200 koa v2') {
            assert.ok(Date.now() < deadline, 'reloaded within 20 s')
            await sleep(100)
          }
        } finally {
          await cli.stop()
          writeFileSync(join(dir, 'app.ts'), app('v1'))
        }
      })

      it('switchyard serve answers every framework', async () => {
        const bin = join(dir, 'node_modules', '.bin', 'switchyard')
        const cli = startInstalled(
          bin,
          ['serve', 'app.ts', '--port', '0', '--host', '127.0.0.1'],
          dir,
        )
        try {
          const port = Number((await cli.waitFor(/127\.0\.0\.1:(\d+)/))[1])
          assert.equal(await get(port, '/fastify'), '200 fastify v1')
          assert.equal(await get(port, '/express'), '200 express v1')
        } finally {
          assert.equal(await cli.stop(), 0)
        }
      })
    })
  }
})

/** The installed bin as a user runs it: no TypeScript loader preloaded. */
const startInstalled = (bin: string, args: string[], cwd: string) => startCli(args, cwd, bin)

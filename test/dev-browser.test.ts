// The browser follows the dev server, in real Chromium: an open error page reloads itself
// when a save brings a new worker, and with --live-reload so do the app's HTML pages;
// without it the app's pages reach the browser byte for byte as the app wrote them.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Browser, chromium } from 'playwright-core'
import { type Cli, startCli } from './support/cli.ts'
import { send } from './support/http.ts'

const CHROMIUM = '/usr/bin/chromium'
const installed = existsSync(CHROMIUM)
if (!installed && process.env.CI) {
  throw new Error(`Chromium is needed at ${CHROMIUM}: bash scripts/install-browser.sh`)
}
const skip = installed ? false : `Chromium not installed: bash scripts/install-browser.sh`

// Evaluated in the page (a string: this file is not type-checked against the DOM).
const SHOWS_V2 = "document.querySelector('h1')?.textContent === 'v2'"

const app = (version: string, failing: boolean) => `
export default (request: Request) => {
  if (new URL(request.url).pathname === '/boom' && ${failing}) throw new Error('broken in ${version}')
  return new Response('<!doctype html><html><body><h1>${version}</h1></body></html>', {
    headers: { 'content-type': 'text/html; charset=utf-8' },
  })
}
`

async function devServer(dir: string, flags: string[]): Promise<{ cli: Cli; url: string }> {
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  writeFileSync(join(dir, 'app.ts'), app('v1', true))
  const cli = startCli(['dev', 'app.ts', '--port', '0', '--host', '127.0.0.1', ...flags], dir)
  const port = (await cli.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1]
  return { cli, url: `http://127.0.0.1:${port}` }
}

describe('switchyard dev in a browser', { skip }, () => {
  let browser: Browser
  const dirs: string[] = []
  const clis: Cli[] = []
  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  })
  after(async () => {
    await browser?.close()
    for (const cli of clis) await cli.stop()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })
  const fresh = async (flags: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-browser-'))
    dirs.push(dir)
    const dev = await devServer(dir, flags)
    clis.push(dev.cli)
    return { dir, ...dev }
  }

  it('reloads an open error page once a save brings a new worker', async () => {
    const { dir, url } = await fresh([])
    const page = await browser.newPage()
    const first = await page.goto(`${url}/boom`)
    assert.equal(first?.status(), 500)
    assert.match(await page.content(), /broken in v1/)
    writeFileSync(join(dir, 'app.ts'), app('v2', false))
    await page.waitForFunction(SHOWS_V2, null, { timeout: 15_000 })
  })

  it('with --live-reload, reloads the app page after a rebuild', async () => {
    const { dir, url } = await fresh(['--live-reload'])
    const page = await browser.newPage()
    await page.goto(`${url}/`)
    assert.equal(await page.textContent('h1'), 'v1')
    writeFileSync(join(dir, 'app.ts'), app('v2', true))
    await page.waitForFunction(SHOWS_V2, null, { timeout: 15_000 })
  })

  it("without --live-reload, leaves the app's pages exactly as it wrote them", async () => {
    const { url } = await fresh([])
    const port = Number(new URL(url).port)
    const reply = await send(port, '/', { host: '127.0.0.1' })
    assert.equal(reply.body, '<!doctype html><html><body><h1>v1</h1></body></html>')
  })
})

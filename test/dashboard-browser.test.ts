// The dashboard in real Chromium: `switchyard dev` on the demo, tenants appearing while the
// page is open, Invalidate giving the next request a new instance; a hostile tenant key
// rendered as text. SWITCHYARD_SCREENSHOT=1 writes docs/dashboard.png (the README's).
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Browser, chromium, type Page } from 'playwright-core'
import { lazy } from '../src/index.ts'
import { dashboardHandler } from '../src/metrics/dashboard.ts'
import { localDashboardSource } from '../src/metrics/dashboard-source.ts'
import { type Cli, startCli } from './support/cli.ts'
import { send } from './support/http.ts'

const CHROMIUM = '/usr/bin/chromium'
const installed = existsSync(CHROMIUM)
if (!installed && process.env.CI) {
  throw new Error(`Chromium is needed at ${CHROMIUM}: bash scripts/install-browser.sh`)
}
const skip = installed ? false : `Chromium not installed: bash scripts/install-browser.sh`
const scratch = mkdtempSync(join(tmpdir(), 'switchyard-dashboard-'))
const SCREENSHOT =
  process.env.SWITCHYARD_SCREENSHOT === '1'
    ? new URL('../docs/dashboard.png', import.meta.url).pathname
    : join(scratch, 'dashboard.png')

const row = (key: string) => `tr[data-key="${key}"]`
// Locators, not waitForFunction: the page's CSP allows no eval, Playwright's included.
const requestsOf = (key: string, n: number) => `${row(key)} td:nth-child(5):text-is("${n}")`

describe('the dashboard in a browser', { skip }, () => {
  let browser: Browser
  let dev: Cli
  let port: number
  const servers: Server[] = []
  const pages: Page[] = []
  before(async () => {
    dev = startCli(
      ['dev', 'examples/demo/app.ts', '--port', '0', '--host', '127.0.0.1', '--no-spare'],
      process.cwd(),
    )
    const [launched, listening] = await Promise.all([
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
        ],
      }),
      dev.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/),
    ])
    browser = launched
    port = Number(listening[1])
  })
  after(async () => {
    await browser?.close()
    await dev?.stop()
    for (const server of servers) server.close()
    rmSync(scratch, { recursive: true, force: true })
  })
  const open = async (url: string) => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    pages.push(page)
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(error.message))
    page.on('dialog', (dialog) => problems.push(`dialog: ${dialog.message()}`))
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text())
    })
    await page.goto(url)
    return { page, problems }
  }
  const whoami = async (tenant: string) =>
    JSON.parse((await send(port, '/whoami', { host: `${tenant}.localhost` })).body) as {
      createdAt: string
      visits: number
    }

  it('shows tenants as they come, and Invalidate gives the next request a new instance', async () => {
    await whoami('acme')
    await whoami('globex')
    const { page, problems } = await open(`http://127.0.0.1:${port}/__switchyard/`)
    await page.locator(row('acme')).waitFor()
    await page.locator(row('globex')).waitFor()
    await page.evaluate('window.stayed = true')
    await whoami('initech')
    await page.locator(row('initech')).waitFor({ timeout: 5000 })
    assert.equal(await page.evaluate('window.stayed'), true, 'the page was not reloaded')
    assert.equal(await page.textContent('.lazy h2 span'), 'subdomains of localhost')
    assert.match((await page.textContent('#tree')) ?? '', /subdomains of localhost.*3 live \/ 100/)
    assert.match((await page.textContent('#log')) ?? '', /initech\.localhost/)

    const before = await whoami('acme')
    await page.locator(requestsOf('acme', 2)).waitFor()
    await page.locator(`${row('acme')} button`).click()
    await page.locator(row('acme')).waitFor({ state: 'detached', timeout: 5000 })
    await page.locator('#note:text-is("1 instance invalidated")').waitFor()
    const after = await whoami('acme')
    assert.notEqual(after.createdAt, before.createdAt, 'a new instance')
    assert.equal(after.visits, 0)
    await page.locator(requestsOf('acme', 1)).waitFor({ timeout: 5000 })
    assert.match((await page.textContent('.lazy .stats')) ?? '', /4created.*invalidated 1/)
    // A fuller picture for the README: the main site, and a host that is no tenant.
    await send(port, '/backend/', { host: '127.0.0.1' })
    await send(port, '/', { host: 'nope.localhost' })
    await page.locator('#log td:text-is("nope.localhost")').waitFor()
    await page.mouse.move(0, 0)
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    assert.deepEqual(problems, [])
  })

  it('renders a hostile tenant key as text: no element, no script', async () => {
    const hostile = '<img src=x onerror=alert(1)>'
    const app = lazy(
      (r) => r.header('x-tenant') ?? null,
      () => () => new Response('ok'),
    )
    await app.fetch(new Request('http://localhost/', { headers: { 'x-tenant': hostile } }))
    const server = createServer(dashboardHandler(localDashboardSource(app), { base: '/' }))
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { page, problems } = await open(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    )
    await page.locator('td.key').first().waitFor()
    assert.equal(await page.textContent('td.key'), hostile)
    assert.match((await page.textContent('#tree')) ?? '', /live: <img src=x onerror=alert\(1\)>/)
    assert.equal(await page.locator('img').count(), 0)
    assert.deepEqual(problems, [])
  })
})

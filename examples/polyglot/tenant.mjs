// A tenant of the polyglot demo: one Node process per subdomain of localhost, started by
// spawn() on the tenant's first request with TENANT in its environment, stopped when the
// tenant is evicted or idle.
import { createServer } from 'node:http'

const tenant = process.env.TENANT
const startedAt = new Date().toISOString()

const server = createServer((req, res) => {
  if (req.url === '/whoami') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        tenant,
        pid: process.pid,
        startedAt,
        host: req.headers['x-forwarded-host'],
      }),
    )
    return
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
  res.end(
    `<!doctype html><title>${tenant}</title><h1>Tenant ${tenant}</h1>` +
      `<p>Its own process: pid ${process.pid}, started ${startedAt}.</p>`,
  )
})
server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => server.close(() => process.exit(0)))

// The home page of the polyglot demo: an Express app at `/` that links to every other part.
import express from 'express'

export function createHome(): express.Express {
  const app = express()
  app.get('/', (req, res) => {
    // The tenant link keeps the port the browser used: http://acme.localhost:3000/.
    const port = /:(\d+)$/.exec(req.get('host') ?? '')?.[1]
    const tenant = `http://acme.localhost${port === undefined ? '' : `:${port}`}/`
    res.type('html').send(`<!doctype html><title>switchyard polyglot</title>
<h1>switchyard polyglot</h1>
<p>One server, apps in three languages and five processes:</p>
<ul>
  <li><a href="/flask/">Flask</a> (Python, its own process)</li>
  <li><a href="/django/">Django</a> (Python, its own process)</li>
  <li><a href="/ws">WebSocket echo</a> (a <code>ws</code> server in its own Node process)</li>
  <li><a href="${tenant}">acme.localhost</a>: a Node process per tenant, started on its first request</li>
  <li>this page: Express, in switchyard's own process</li>
</ul>`)
  })
  app.get('/whoami', (_req, res) => {
    res.json({ app: 'express', pid: process.pid })
  })
  return app
}

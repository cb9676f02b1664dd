// The frontend: a Hono app at "/".
import { Hono } from 'hono'
import { mountInfo } from '../../src/index.ts'

export function createFrontend(): Hono {
  const app = new Hono()
  app.get('/', (c) =>
    c.html(`<!doctype html>
<title>switchyard demo</title>
<h1>switchyard demo</h1>
<p>This page is a <b>Hono</b> app mounted at <code>/</code>. Next door:</p>
<ul>
  <li><a href="/backend">/backend</a>: an Express app (it links to its own pages with <code>req.baseUrl</code>)</li>
  <li><a href="/api/health">/api/health</a>: a Fastify app</li>
  <li><a href="/whoami">/whoami</a>: what this Hono app sees of the request</li>
</ul>`),
  )
  app.get('/whoami', (c) => c.json({ app: 'hono', url: c.req.url, mount: mountInfo(c.req.raw) }))
  return app
}

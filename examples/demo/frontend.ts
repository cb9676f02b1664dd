// The frontend: a Hono app at "/".
import { Hono } from 'hono'
import { mountInfo } from '../../src/index.ts'
import { tenantNames } from './tenants.ts'

const port = (url: string) => new URL(url).port || '80'

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
  <li><a href="/ws">/ws</a>: a WebSocket echo (a <code>ws</code> server on an unlistened <code>http.Server</code>)</li>
  <li><a href="/whoami">/whoami</a>: what this Hono app sees of the request</li>
</ul>
<p>Tenants, each a Hono app created on its first request:
${tenantNames.map((t) => `<a href="http://${t}.localhost:${port(c.req.url)}/">${t}.localhost</a>`).join(' · ')}
(unknown tenants, like <a href="http://nobody.localhost:${port(c.req.url)}/">nobody.localhost</a>, get 404).</p>`),
  )
  app.get('/whoami', (c) => c.json({ app: 'hono', url: c.req.url, mount: mountInfo(c.req.raw) }))
  return app
}

// Per-tenant apps at http://<tenant>.localhost:5000/, created on first use from an
// embedded tenant file (the seed's get_user_for_subdomain).
import { Hono } from 'hono'
import { mountInfo } from '../../src/index.ts'

interface Tenant {
  name: string
  color: string
}

const TENANTS: Record<string, Tenant> = {
  acme: { name: 'Acme Corp', color: '#d9480f' },
  globex: { name: 'Globex', color: '#1971c2' },
  initech: { name: 'Initech', color: '#2f9e44' },
}

export const tenantNames = Object.keys(TENANTS)

export async function getTenantForSubdomain(subdomain: string): Promise<Tenant | null> {
  return TENANTS[subdomain] ?? null
}

/** The application factory: each tenant gets its own Hono app with its own counter. */
export function createTenantApp(key: string, tenant: Tenant): Hono {
  const app = new Hono()
  const createdAt = new Date().toISOString()
  let visits = 0
  app.get('/', (c) => {
    visits++
    return c.html(`<!doctype html>
<title>${tenant.name}</title>
<h1 style="color:${tenant.color}">${tenant.name}</h1>
<p>Tenant <code>${key}</code>: this instance was created at ${createdAt} and has served ${visits} page views.</p>
<p><a href="/whoami">whoami</a></p>`)
  })
  app.get('/whoami', (c) => c.json({ tenant: key, createdAt, visits, mount: mountInfo(c.req.raw) }))
  return app
}

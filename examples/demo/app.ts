// The demo application: three frameworks, a WebSocket service and lazily created tenants,
// one dispatcher.
import { mount, subdomains } from '../../src/index.ts'
import { createApi } from './api.ts'
import { createBackend } from './backend.ts'
import { createEcho } from './echo.ts'
import { createFrontend } from './frontend.ts'
import { createTenantApp, getTenantForSubdomain } from './tenants.ts'

const main = mount(createFrontend(), {
  '/backend': createBackend(),
  '/api': createApi(),
  '/ws': createEcho(),
})

// localhost and 127.0.0.1 get the main site; <tenant>.localhost gets that tenant's app.
export const application = subdomains(
  'localhost',
  async (key) => {
    const tenant = await getTenantForSubdomain(key)
    return tenant ? createTenantApp(key, tenant) : null
  },
  { apex: main, fallback: main, max: 100, idleTimeout: '10m' },
)

export default application

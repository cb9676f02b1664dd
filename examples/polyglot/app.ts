// The polyglot demo: Express at `/`, Flask at /flask and Django at /django (each a Python
// process), a `ws` echo server in its own Node process at /ws, and one Node process per tenant
// under *.localhost. switchyard starts every process on its first request, forwards to it,
// restarts it if it crashes and stops it when the server stops (or the tenant is evicted).
import { fileURLToPath } from 'node:url'
import { hosts, mount, subdomains } from '../../src/index.ts'
import { spawn } from '../../src/node.ts'
import { createHome } from './home.ts'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
// Debian's python3, which python3-flask and python3-django install into; the python3 on PATH
// may be another (a pyenv or venv one without them).
const python = '/usr/bin/python3'
// Their output reaches switchyard's log as it is written, each line after the app's name.
const unbuffered = { PYTHONUNBUFFERED: '1' }

const main = mount(createHome(), {
  '/flask': spawn([python, here('flask_app.py'), '{port}'], { name: 'flask', env: unbuffered }),
  '/django': spawn([python, here('django_app.py'), '{port}'], { name: 'django', env: unbuffered }),
  '/ws': spawn([process.execPath, here('ws-server.mjs')], { name: 'ws' }),
})

// acme.localhost (any name under localhost: browsers resolve them all to loopback) gets a
// process of its own; ten at most, each stopped after five idle minutes.
const tenants = subdomains(
  'localhost',
  (tenant) =>
    spawn([process.execPath, here('tenant.mjs')], {
      name: `tenant ${tenant}`,
      env: { TENANT: tenant },
    }),
  { max: 10, idleTimeout: '5m' },
)

export default hosts({ '*.localhost': tenants, '*': main })

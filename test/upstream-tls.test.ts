// An https: upstream: its requests and its WebSocket upgrades both go over TLS, verified
// against the origin's certificate (test/fixtures/tls, trusted through NODE_EXTRA_CA_CERTS in
// a child process, since Node reads it only at start).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))

test('an https: upstream carries requests and WebSockets over TLS', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'wss-upstream.ts'],
    {
      cwd: FIXTURES,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: `${FIXTURES}tls/cert.pem` },
      timeout: 30_000,
    },
  )
  const last = stdout.trim().split('\n').at(-1) as string
  // Before, the upgrade went to the origin in cleartext, which refused it: a 502.
  assert.deepEqual(JSON.parse(last), { http: 'https origin saw /page', ws: 'echo:hi' })
})

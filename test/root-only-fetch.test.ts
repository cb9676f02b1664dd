// fetch() to a Node app works with only `switchyard` imported (DESIGN §4, Runtimes).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const FIXTURE = fileURLToPath(new URL('fixtures/root-only-fetch.ts', import.meta.url))

test('app.fetch() to an Express leaf, in a script that imports only the root entry', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', FIXTURE])
  assert.equal(stdout.trim(), '200 from express')
})

// The contract, fault and Connect suites again with @hono/node-server's global
// Request/Response override off (`overrideGlobalObjects: false`, `--no-override-globals`):
// each in a process of its own, since the override, once on, is on for the whole process.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const SUITES = [
  'contract.test.ts',
  'faults-leaves.test.ts',
  'connect.test.ts',
  'fetch-framing.test.ts',
]

describe('with the global override off', () => {
  for (const suite of SUITES) {
    it(`passes ${suite}`, async () => {
      const file = fileURLToPath(new URL(suite, import.meta.url))
      // Without the runner's own context variable, the child reports as a runner of its own.
      const { NODE_TEST_CONTEXT: _, ...env } = process.env
      const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', '--test', '--test-reporter=tap', file],
          {
            env: { ...env, SWITCHYARD_OVERRIDE_GLOBALS: '0' },
            maxBuffer: 64 * 1024 * 1024,
          },
          (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout }),
        )
      })
      const failed = out.split('\n').filter((line) => /^\s*not ok/.test(line))
      assert.deepEqual(failed, [], 'every case passes')
      assert.equal(code, 0)
      assert.match(out, /# pass [1-9]/)
    })
  }
})

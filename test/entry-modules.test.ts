// The built CLI loads an entry of any module system, as a new project has it: `.ts`, `.mts`,
// `.cts` and `.js` entries in a `"type": "commonjs"` package (what `npm init -y` writes)
// and in a `"type": "module"` one, with no TypeScript loader preloaded.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// Inside the repository, so the built CLI resolves its dependencies from node_modules.
const BUILD = join(ROOT, '.cache', 'cli-build')

function run(command: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    )
  })
}

// One Fetch handler, written in each module system; TypeScript files use a type annotation.
// The TypeScript sources are the same under both; only the plain .js is written as "type" asks.
const TYPESCRIPT: Record<string, string> = {
  'app.ts': "const text: string = 'ts'\nexport default (request: Request) => new Response(text)\n",
  'app.mts':
    "const text: string = 'mts'\nexport default (request: Request) => new Response(text)\n",
  'app.cts':
    "const text: string = 'cts'\nmodule.exports = { app: (request: Request) => new Response(text) }\n",
}
const ENTRIES: Record<string, Record<string, string>> = {
  commonjs: {
    ...TYPESCRIPT,
    'app.js': "module.exports = { app: (request) => new Response('js') }\n",
  },
  module: { ...TYPESCRIPT, 'app.js': "export const app = (request) => new Response('js')\n" },
}

describe('entries of any module system, through the built CLI', () => {
  const dirs: string[] = []
  before(async () => {
    rmSync(BUILD, { recursive: true, force: true })
    const tsc = join(ROOT, 'node_modules/.bin/tsc')
    const built = await run(tsc, ['-p', 'tsconfig.build.json', '--outDir', BUILD], ROOT)
    assert.equal(built.code, 0, built.out)
  })
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  for (const [type, files] of Object.entries(ENTRIES)) {
    for (const [file, source] of Object.entries(files)) {
      it(`loads ${file} in a "type": "${type}" package`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'switchyard-entry-'))
        dirs.push(dir)
        mkdirSync(dir, { recursive: true })
        // A project as npm makes it; npm 11 writes "type": "commonjs", npm 10 no type at all.
        const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
        assert.equal((await run(npm, ['init', '-y'], dir)).code, 0)
        assert.equal((await run(npm, ['pkg', 'set', `type=${type}`], dir)).code, 0)
        writeFileSync(join(dir, file), source)
        const { code, out } = await run(
          process.execPath,
          [join(BUILD, 'bin.js'), 'routes', file],
          dir,
        )
        assert.equal(code, 0, out)
        assert.match(out, /\[fetch\]/, out)
      })
    }
  }
})

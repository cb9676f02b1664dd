// What `npm pack` ships: the license, an executable bin, no script that runs at install and
// every file the manifest points resolvers at. One pack for all checks, made (and so built,
// by prepack) in a copy of the project, so that it never rebuilds the working tree's dist/
// under another test that reads it.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
// What the build reads, and what npm packs whatever "files" says.
const COPIED = [
  'package.json',
  'README.md',
  'LICENSE',
  'tsconfig.json',
  'tsconfig.build.json',
  'src',
]

interface Manifest {
  main?: string
  types?: string
  files?: string[]
  bin?: Record<string, string>
  exports?: unknown
  scripts?: Record<string, string>
}

interface Packed {
  filename: string
  files: { path: string; mode: number }[]
}

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: 120_000 }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`${command} ${args.join(' ')}:\n${stdout}\n${stderr}`))
        : resolve(stdout),
    )
  })
}

/** Every `types` path anywhere in an exports map (conditions nest). */
function typesPaths(exports: unknown): string[] {
  if (typeof exports !== 'object' || exports === null) return []
  return Object.entries(exports).flatMap(([key, value]) =>
    key === 'types' && typeof value === 'string' ? [value] : typesPaths(value),
  )
}

const inPackage = (path: string) => path.replace(/^\.\//, '')

describe('npm pack', { timeout: 180_000 }, () => {
  let work: string
  let modes: Map<string, number>
  let manifest: Manifest
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'switchyard-pack-'))
    const project = join(work, 'project')
    mkdirSync(project)
    const files = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest).files
    for (const name of new Set([...COPIED, ...(files ?? [])])) {
      if (name !== 'dist' && existsSync(join(ROOT, name)))
        cpSync(join(ROOT, name), join(project, name), { recursive: true })
    }
    symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir')
    const out = await run(NPM, ['pack', '--json', '--pack-destination', work], project)
    const [packed] = JSON.parse(out) as [Packed]
    modes = new Map(packed.files.map((file) => [file.path, file.mode]))
    await run('tar', ['-xzf', packed.filename], work)
    manifest = JSON.parse(readFileSync(join(work, 'package', 'package.json'), 'utf8'))
  })
  after(() => rmSync(work, { recursive: true, force: true }))

  it('ships the MIT license', () => {
    assert.ok(modes.has('LICENSE'))
    const license = readFileSync(join(work, 'package', 'LICENSE'), 'utf8')
    assert.match(license, /^MIT License/)
    assert.match(license, /Copyright \(c\) 2026 the switchyard authors/)
  })

  it('ships every bin executable (mode 755)', () => {
    const bins = Object.values(manifest.bin ?? {})
    assert.ok(bins.length > 0, 'the package has a bin')
    for (const bin of bins) {
      const mode = modes.get(inPackage(bin))
      assert.equal(mode?.toString(8), '755', `${bin} is packed with mode ${mode?.toString(8)}`)
    }
  })

  it('runs nothing at install: no prepare, preinstall, install or postinstall script', () => {
    const scripts = Object.keys(manifest.scripts ?? {})
    for (const name of ['prepare', 'preinstall', 'install', 'postinstall']) {
      assert.ok(!scripts.includes(name), `the packed package.json has a ${name} script`)
    }
  })

  it('ships main, types and every types path of the exports map', () => {
    assert.ok(
      manifest.main !== undefined && manifest.types !== undefined,
      'top-level main and types',
    )
    const paths = [manifest.main, manifest.types, ...typesPaths(manifest.exports)]
    assert.ok(paths.length >= 5, `exports has types: ${paths}`)
    for (const path of paths) assert.ok(modes.has(inPackage(path)), `${path} is not in the tarball`)
  })
})

// The shape of src/: short files, entries that only re-export, no import cycle even through
// type-only imports (what madge and editors report). Layers, on the compiled graph, are
// checked by dependency-cruiser in `npm run check:layers`.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'

const SRC = new URL('../src/', import.meta.url).pathname
const MAX_LINES = 250

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}

describe('src/ layout', () => {
  it(`keeps every file under ${MAX_LINES} lines`, () => {
    const long = sources(SRC)
      .map((file) => ({ file, lines: readFileSync(file, 'utf8').trimEnd().split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES)
    assert.deepEqual(long, [])
  })

  it('has public entries that only re-export', () => {
    for (const entry of ['index.ts', 'node.ts', 'metrics.ts']) {
      const code = readFileSync(join(SRC, entry), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('//'))
        .join('\n')
      assert.match(code, /^(export [^;]*?from '[^']+'\s*)+$/, entry)
    }
  })

  it('has no import cycle, counting type-only imports', () => {
    const files = sources(SRC).filter((file) => file.endsWith('.ts'))
    const imports = new Map<string, string[]>()
    for (const file of files) {
      const code = readFileSync(file, 'utf8')
      const found = [...code.matchAll(/^(?:import|export)[^'"]*?from '(\.[^']+)'/gm)]
      imports.set(
        file,
        found.map((m) => resolve(dirname(file), m[1] as string)),
      )
    }
    const done = new Set<string>()
    const cycles: string[] = []
    const visit = (file: string, path: string[]): void => {
      const at = path.indexOf(file)
      if (at >= 0) {
        cycles.push(
          path
            .slice(at)
            .concat(file)
            .map((f) => relative(SRC, f))
            .join(' → '),
        )
        return
      }
      if (done.has(file)) return
      for (const next of imports.get(file) ?? []) visit(next, [...path, file])
      done.add(file)
    }
    for (const file of files) visit(file, [])
    assert.deepEqual(cycles, [])
  })
})

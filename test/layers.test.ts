// The shape of src/: short files, entries that only re-export. (Import layers and cycles are
// checked by dependency-cruiser in `npm run check:layers`.)
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
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
})

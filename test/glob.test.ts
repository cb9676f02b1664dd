// The globs of `switchyard dev --watch/--ignore`.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compileGlob } from '../src/dev/glob.ts'

describe('compileGlob', () => {
  it('matches ** at any depth, * and ? within one segment', () => {
    const json = compileGlob('shared/**/*.json', '/p')
    assert.equal(json.base, '/p/shared')
    for (const path of ['/p/shared/a.json', '/p/shared/x/y/a.json'])
      assert.ok(json.test(path), path)
    for (const path of ['/p/shared/a.ts', '/p/other/a.json', '/p/shared.json']) {
      assert.ok(!json.test(path), path)
    }
    const one = compileGlob('/p/src/?.ts')
    assert.ok(one.test('/p/src/a.ts'))
    assert.ok(!one.test('/p/src/ab.ts'))
    assert.ok(!compileGlob('/p/*.ts').test('/p/src/a.ts'), '* stays within a segment')
  })

  it('matches everything below a folder named by a pattern', () => {
    const generated = compileGlob('app/generated/**', '/p')
    assert.ok(generated.test('/p/app/generated/g.ts'))
    assert.ok(generated.test('/p/app/generated'))
    assert.ok(!generated.test('/p/app/generator.ts'))
    assert.ok(compileGlob('/p/app/generated', '/').test('/p/app/generated/x/y.ts'))
  })

  it('takes regular-expression characters literally', () => {
    assert.ok(compileGlob('/p/a+b(1).ts').test('/p/a+b(1).ts'))
    assert.ok(!compileGlob('/p/a.ts').test('/p/abts'))
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  BadPath,
  canonicalPrefix,
  decodedPath,
  normalizePath,
  normalQueryStart,
  parseTarget,
  restUnder,
} from '../src/parse/path.ts'

describe('normalizePath', () => {
  const cases: Array<[string, string]> = [
    ['/', '/'],
    ['', '/'],
    ['/a/b', '/a/b'],
    ['/a/b/', '/a/b/'],
    ['/static/app.js', '/static/app.js'],
    ['/a/./b', '/a/b'],
    ['/a/../b', '/b'],
    ['/../../b', '/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/a/..', '/'],
    ['/static/../backend/x', '/backend/x'],
    ['/back%65nd/x', '/backend/x'],
    ['/%41%7a%2D%2e%5F%7E', '/Az-._~'],
    ['/a/%2e%2e/b', '/b'],
    ['/a/%2E%2E/b', '/b'],
    ['/a/.%2e/b', '/b'],
    ['/backend%2Fx', '/backend%2Fx'],
    ['/backend%2fx', '/backend%2Fx'],
    ['/a%20b', '/a%20b'],
    ['/a//b', '/a/b'],
    ['//evil.com', '/evil.com'],
    ['/backend//evil.com', '/backend/evil.com'],
    ['/a/b//', '/a/b/'],
    ['/...', '/...'],
    ['/a..b', '/a..b'],
  ]
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(normalizePath(input), expected)
    })
  }

  it('returns the very same string when nothing changes (no allocation)', () => {
    const path = '/backend/static/app.js'
    assert.equal(normalizePath(path), path)
  })

  for (const bad of ['/%zz', '/%4', '/%', '/a%g0', '/a\\b', '/a/..\\..', 'a/b']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      const result = normalizePath(bad)
      assert.ok(result instanceof BadPath, `expected BadPath, got ${String(result)}`)
      assert.ok(result.message.length > 0)
    })
  }
})

describe('parseTarget', () => {
  it('splits the query and keeps it byte for byte', () => {
    assert.deepEqual(parseTarget('/a/../b?x=%2e%2e&y=/../'), {
      path: '/b',
      query: '?x=%2e%2e&y=/../',
      exact: false,
    })
  })
  it('marks untouched targets exact', () => {
    assert.deepEqual(parseTarget('/a/b?q=1'), { path: '/a/b', query: '?q=1', exact: true })
    assert.equal((parseTarget('/a//b') as { exact: boolean }).exact, false)
  })
  it('takes the path of an absolute-form target', () => {
    assert.deepEqual(parseTarget('http://example.com/a/b?q'), {
      path: '/a/b',
      query: '?q',
      exact: false,
    })
    assert.deepEqual(parseTarget('https://example.com'), { path: '/', query: '', exact: false })
    assert.deepEqual(parseTarget('http://example.com?q=1'), {
      path: '/',
      query: '?q=1',
      exact: false,
    })
  })
  it('drops a fragment', () => {
    assert.deepEqual(parseTarget('/a#frag'), { path: '/a', query: '', exact: false })
  })
  it('refuses other target forms', () => {
    assert.ok(parseTarget('*') instanceof BadPath)
    assert.ok(parseTarget('example.com:443') instanceof BadPath)
    assert.ok(parseTarget('ftp://example.com/') instanceof BadPath)
  })
})

describe('restUnder', () => {
  it('matches at segment boundaries only', () => {
    assert.equal(restUnder('/backend', '/backend'), '/')
    assert.equal(restUnder('/backend/', '/backend'), '/')
    assert.equal(restUnder('/backend/x/y', '/backend'), '/x/y')
    assert.equal(restUnder('/backendx', '/backend'), undefined)
    assert.equal(restUnder('/back', '/backend'), undefined)
    assert.equal(restUnder('/ADMIN', '/admin'), undefined)
  })
})

describe('decodedPath (the path as an app that decodes it reads it)', () => {
  const cases: Array<[string, string]> = [
    ['/a/b', '/a/b'],
    ['/private%2Fsecret.txt', '/private/secret.txt'],
    ['/pub/..%2Fprivate/x', '/private/x'],
    ['/%40admin/x', '/@admin/x'],
    ['/a%5Cb', '/a/b'],
    ['/a%2F%2Fb', '/a/b'],
    ['/a/x%2F..%2F..%2F..%2Fb', '/b'],
    ['/a%2F..', '/'],
    ['/%C3%A9', '/\u00c3\u00a9'],
    ['/%C0%AFx', '/\u00c0\u00afx'],
    ['/100%25', '/100%'],
    ['/%252F', '/%2F'],
  ]
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(decodedPath(input), expected)
    })
  }
  it('returns the very same string without an escape', () => {
    const path = '/backend/static/app.js'
    assert.equal(decodedPath(path), path)
  })
  it('reads a canonical prefix as its segments decoded', () => {
    assert.equal(decodedPath(canonicalPrefix('/a%2Fb', 'mount()')), '/a/b')
    assert.equal(decodedPath(canonicalPrefix('/api/é', 'mount()')), '/api/\u00c3\u00a9')
  })
})

describe('canonicalPrefix', () => {
  it('accepts and canonicalizes', () => {
    assert.equal(canonicalPrefix('/backend', 'mount()'), '/backend')
    assert.equal(canonicalPrefix('/backend/', 'mount()'), '/backend')
    assert.equal(canonicalPrefix('/api/v2', 'mount()'), '/api/v2')
  })
  it('percent-encodes non-ASCII characters as UTF-8 with upper-case hex', () => {
    assert.equal(canonicalPrefix('/api/é', 'mount()'), '/api/%C3%A9')
    assert.equal(canonicalPrefix('/api/é/', 'mount()'), '/api/%C3%A9')
    assert.equal(canonicalPrefix('/日本/x', 'mount()'), '/%E6%97%A5%E6%9C%AC/x')
    assert.equal(canonicalPrefix('/a😀', 'mount()'), '/a%F0%9F%98%80')
    assert.equal(canonicalPrefix('/api/%C3%A9', 'mount()'), '/api/%C3%A9')
    assert.equal(canonicalPrefix('/@admin', 'mount()'), '/@admin')
    assert.equal(canonicalPrefix('/a%2Fb', 'mount()'), '/a%2Fb')
  })
  const bad: Array<[unknown, RegExp]> = [
    ['backend', /must be a string starting with "\/"/],
    ['', /must be a string starting with "\/"/],
    [42, /must be a string starting with "\/"/],
    ['/', /cannot be a mount prefix/],
    ['/a?b', /must not contain/],
    ['/a b', /must not contain/],
    ['/a/../b', /not a normalized path/],
    ['/a//b', /not a normalized path/],
    ['/back%65nd', /not a normalized path/],
    ['/a\\b', /Backslash/],
    ['/\uD800', /lone surrogate \(U\+D800 at index 1\)/],
    ['/a\uDC00', /lone surrogate \(U\+DC00/],
    ['/api/%c3%a9', /write it as "\/api\/%C3%A9"/],
    ['/a/%2F', /empty or dot segment once decoded/],
    ['/x%2F..', /empty or dot segment once decoded/],
    ['/%5C', /empty or dot segment once decoded/],
  ]
  for (const [prefix, message] of bad) {
    it(`refuses ${JSON.stringify(prefix)} with a TypeError`, () => {
      assert.throws(
        () => canonicalPrefix(prefix, 'mount()'),
        (e: unknown) => {
          assert.ok(e instanceof TypeError)
          assert.match(e.message, /^mount\(\): /)
          assert.match(e.message, message)
          return true
        },
      )
    })
  }
})

describe('normalQueryStart (the fast path)', () => {
  it('agrees with parseTarget wherever it accepts a target', async () => {
    const fc = (await import('fast-check')).default
    const char = fc.constantFrom('/', '.', '%', '2', 'e', 'F', 'a', '?', '#', '\\', '~', '-')
    fc.assert(
      fc.property(fc.array(char, { maxLength: 16 }), (chars) => {
        const target = `/${chars.join('')}`
        const q = normalQueryStart(target)
        if (q < 0) return
        const parsed = parseTarget(target)
        assert.ok(!(parsed instanceof BadPath), target)
        assert.deepEqual(parsed, { path: target.slice(0, q), query: target.slice(q), exact: true })
      }),
      { numRuns: 10_000 },
    )
  })
  it('sends anything unusual to the slow path', () => {
    for (const target of [
      '/a/./b',
      '/a/..',
      '/a//b',
      '/%41',
      '/a\\b',
      '/a#x',
      'x',
      '/.',
      '/a/.?q',
    ]) {
      assert.equal(normalQueryStart(target), -1, target)
    }
    assert.equal(normalQueryStart('/a.b/..c/.d?x=/../'), 11)
  })
})

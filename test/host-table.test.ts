import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HostTable } from '../src/parse/host-table.ts'

/** The value a host resolves to, or undefined. */
const hit = <T>(table: HostTable<T>, host: string) => table.match(host)?.value

test('exact hosts are normalized and matched as given', () => {
  const table = new HostTable({ 'API.Example.com.': 'api', localhost: 'local', '[::1]': 'v6' })
  assert.deepEqual(table.match('api.example.com'), {
    value: 'api',
    params: undefined,
    pattern: 'API.Example.com.',
  })
  assert.equal(hit(table, 'localhost'), 'local')
  assert.equal(hit(table, '[::1]'), 'v6')
  assert.equal(hit(table, 'x.api.example.com'), undefined)
  assert.equal(hit(table, 'example.com'), undefined)
})

test('accepts an iterable of pairs as well as a record', () => {
  const table = new HostTable(
    new Map([
      ['a.com', 1],
      ['*', 2],
    ]),
  )
  assert.equal(hit(table, 'a.com'), 1)
  assert.equal(hit(table, 'b.com'), 2)
})

test('wildcard: one or more labels, never the bare suffix or a lookalike', () => {
  const table = new HostTable({ '*.example.com': 'w' })
  assert.deepEqual(table.match('a.example.com'), {
    value: 'w',
    params: undefined,
    pattern: '*.example.com',
  })
  assert.equal(hit(table, 'a.b.example.com'), 'w')
  assert.equal(hit(table, 'example.com'), undefined)
  assert.equal(hit(table, 'evilexample.com'), undefined)
  assert.equal(hit(table, 'a.evilexample.com'), undefined)
  assert.equal(hit(table, 'example.com.evil.org'), undefined)
})

test('wildcard: the longest suffix wins, whatever the declaration order', () => {
  const table = new HostTable({ '*.example.com': 'all', '*.eu.example.com': 'eu' })
  assert.equal(hit(table, 'a.eu.example.com'), 'eu')
  assert.equal(hit(table, 'a.b.eu.example.com'), 'eu')
  assert.equal(hit(table, 'eu.example.com'), 'all')
  assert.equal(hit(table, 'a.us.example.com'), 'all')
})

test('capture: exactly one label per capture, into params', () => {
  const table = new HostTable({ '{tenant}.example.com': 't' })
  assert.deepEqual(table.match('acme.example.com'), {
    value: 't',
    params: { tenant: 'acme' },
    pattern: '{tenant}.example.com',
  })
  assert.equal(hit(table, 'a.b.example.com'), undefined)
  assert.equal(hit(table, 'example.com'), undefined)
  assert.equal(hit(table, 'acmeexample.com'), undefined)
  assert.equal(hit(table, 'acme.example.org'), undefined)
})

test('capture: several captures, and literal labels between them', () => {
  const table = new HostTable({
    '{svc}.{region}.example.com': 'two',
    'api.{region}.example.com': 'api',
    '{a}.{b}': 'bare',
  })
  assert.deepEqual(table.match('web.eu.example.com')?.params, { svc: 'web', region: 'eu' })
  // More literal labels win: `api.{region}` (3) over `{svc}.{region}` (2).
  assert.deepEqual(table.match('api.eu.example.com'), {
    value: 'api',
    params: { region: 'eu' },
    pattern: 'api.{region}.example.com',
  })
  assert.deepEqual(table.match('foo.bar')?.params, { a: 'foo', b: 'bar' })
  assert.equal(hit(table, 'x.web.eu.example.com'), undefined)
})

test('capture: more literal labels win, then the longer literal suffix', () => {
  const table = new HostTable({
    '{a}.{b}.example.com': 'broad',
    '{a}.eu.example.com': 'eu',
    '{a}.{b}.x.com': 'x',
    'api.v.{c}.com': 'api',
    'api.{t}.example.com': 'api-t',
  })
  assert.equal(hit(table, 'web.eu.example.com'), 'eu')
  assert.equal(hit(table, 'web.us.example.com'), 'broad')
  // Three literal labels behind a short suffix beat two behind a longer one.
  assert.equal(hit(table, 'api.v.x.com'), 'api')
  assert.equal(hit(table, 'web.v.x.com'), 'x')
  // A tie (three literal labels each): the longer literal suffix, `eu.example.com`, wins.
  assert.equal(hit(table, 'api.eu.example.com'), 'eu')
  assert.equal(hit(table, 'api.us.example.com'), 'api-t')
})

test('precedence: exact > capture > wildcard > catch-all', () => {
  const table = new HostTable({
    '*': 'any',
    '*.example.com': 'wild',
    '{tenant}.example.com': 'cap',
    'www.example.com': 'www',
  })
  assert.equal(hit(table, 'www.example.com'), 'www')
  assert.equal(hit(table, 'acme.example.com'), 'cap')
  assert.equal(hit(table, 'a.b.example.com'), 'wild')
  assert.equal(hit(table, 'example.com'), 'any')
  assert.equal(hit(table, 'other.org'), 'any')
  assert.deepEqual(table.match('x.org'), { value: 'any', params: undefined, pattern: '*' })
})

test('IPv6 literals only match exact patterns and the catch-all', () => {
  const table = new HostTable({ '{a}': 'label', '*': 'any' })
  assert.equal(hit(table, 'localhost'), 'label')
  assert.equal(hit(table, '[::1]'), 'any')
  assert.equal(hit(new HostTable({ '*.3.4': 'w' }), '[::ffff:1.2.3.4]'), undefined)
})

test('no match without a catch-all', () => {
  assert.equal(new HostTable({ 'a.com': 1 }).match('b.com'), undefined)
  assert.equal(new HostTable({}).match('a.com'), undefined)
})

test('entries() lists patterns in order with their kind', () => {
  const table = new HostTable({ 'a.com': 1, '{t}.a.com': 2, '*.a.com': 3, '*': 4 })
  assert.deepEqual(table.entries(), [
    { pattern: 'a.com', kind: 'exact', value: 1 },
    { pattern: '{t}.a.com', kind: 'capture', value: 2 },
    { pattern: '*.a.com', kind: 'wildcard', value: 3 },
    { pattern: '*', kind: 'catch-all', value: 4 },
  ])
})

test('bad patterns throw a TypeError naming the pattern and the problem', () => {
  const cases: Array<[Array<[string, number]>, RegExp]> = [
    [
      [['exa mple.com', 1]],
      /^hosts\(\): invalid host pattern "exa mple\.com": invalid character " "$/,
    ],
    [[['a.com:80', 1]], /"a\.com:80": a port is not allowed$/],
    [[['a..com', 1]], /empty label$/],
    [[['', 1]], /invalid host pattern "": empty$/],
    [[['a.*.com', 1]], /pattern "a\.\*\.com": "\*" must be alone or the whole leftmost label/],
    [[['*a.com', 1]], /"\*" must be alone/],
    [[['*.*.com', 1]], /"\*" must be alone/],
    [[['*.', 1]], /pattern "\*\.": invalid suffix "": empty$/],
    [[['*.exa mple.com', 1]], /pattern "\*\.exa mple\.com": invalid suffix "exa mple\.com"/],
    [[['*.[::1]', 1]], /an IP literal has no subdomains$/],
    [
      [['x{a}.example.com', 1]],
      /pattern "x\{a\}\.example\.com": "x\{a\}": a capture must be a whole label$/,
    ],
    [[['{a.example.com', 1]], /a capture must be a whole label$/],
    [[['{}.example.com', 1]], /a capture must be a whole label$/],
    [[['{1a}.example.com', 1]], /a capture must be a whole label$/],
    [[['{a}.{a}.example.com', 1]], /duplicate capture name "a"$/],
    [[['{__proto__}.example.com', 1]], /reserved$/],
    [[['{a}..example.com', 1]], /empty label$/],
    [[['{a}.exa mple.com', 1]], /invalid label "exa mple": invalid character " "$/],
    [[[`{a}.${'x'.repeat(63)}.${'x'.repeat(63)}.${'x'.repeat(63)}.${'x'.repeat(63)}`, 1]], /253/],
    [
      [
        ['A.com', 1],
        ['a.com.', 2],
      ],
      /pattern "a\.com\.": duplicate of "A\.com"$/,
    ],
    [
      [
        ['*.a.com', 1],
        ['*.A.com', 2],
      ],
      /duplicate of "\*\.a\.com"$/,
    ],
    [
      [
        ['{x}.a.com', 1],
        ['{y}.A.com', 2],
      ],
      /pattern "\{y\}\.A\.com": duplicate of "\{x\}\.a\.com"$/,
    ],
    [
      [
        ['*', 1],
        ['*', 2],
      ],
      /duplicate catch-all$/,
    ],
  ]
  for (const [patterns, message] of cases) {
    assert.throws(
      () => new HostTable(patterns),
      (e: unknown) => {
        assert.ok(e instanceof TypeError, String(e))
        assert.match(e.message, message)
        return true
      },
    )
  }
  assert.throws(() => new HostTable({ 'a b': 1 }, 'vhosts()'), /^TypeError: vhosts\(\): /)
})

test('exact lookups give the value itself, even among 10,000 hosts', () => {
  const patterns: Record<string, { id: number }> = {}
  for (let i = 0; i < 10_000; i++) patterns[`tenant${i}.example.com`] = { id: i }
  const table = new HostTable(patterns)
  const value = patterns['tenant7777.example.com']
  assert.equal(table.exact('tenant7777.example.com'), value) // the value, no record around it
  assert.equal(table.exact(`tenant${7777}.example.com`), value)
  assert.deepEqual(table.match('tenant7777.example.com'), {
    value,
    params: undefined,
    pattern: 'tenant7777.example.com',
  })
  assert.equal(table.exact('tenant10000.example.com'), undefined)
  assert.equal(hit(table, 'tenant0.example.com'), patterns['tenant0.example.com'])
  assert.equal(hit(table, 'tenant10000.example.com'), undefined)
})

test('exact() answers only exact patterns; matchPattern() all the others', () => {
  const table = new HostTable({ 'a.example.com': 'exact', '*.example.com': 'wild', '*': 'all' })
  assert.equal(table.exact('a.example.com'), 'exact')
  assert.equal(table.exact('b.example.com'), undefined)
  assert.equal(table.matchPattern('b.example.com')?.value, 'wild')
  assert.equal(table.matchPattern('a.example.com')?.value, 'wild') // exact is not its business
  assert.equal(table.matchPattern('other.org')?.value, 'all')
})

test('wildcard and catch-all hits are precomputed too; capture params are fresh', () => {
  const table = new HostTable({ '*.a.com': 1, '{t}.b.com': 2 })
  assert.equal(table.match('x.a.com'), table.match('y.z.a.com'))
  const one = table.match('x.b.com')
  const two = table.match('x.b.com')
  assert.notEqual(one, two)
  assert.deepEqual(one, two)
})

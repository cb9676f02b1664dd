// Generators for Host header values, valid and not, and a reference parser to compare with.
import { isIPv6 } from 'node:net'
import fc from 'fast-check'

const LABEL_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-_'.split('')

const label = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({ unit: fc.constantFrom(...LABEL_CHARS), minLength: 1, maxLength: 8 }),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: fc.constantFrom(...LABEL_CHARS), minLength: 50, maxLength: 63 }),
  },
)

/** A lower-case host name of at most 253 characters. */
const name = fc
  .array(label, { minLength: 1, maxLength: 6 })
  .map((labels) => labels.join('.'))
  .filter((n) => n.length <= 253)

/** An IPv6 address in text form: 8 groups, maybe `::`-elided, maybe an IPv4 tail. */
const ipv6 = fc
  .record({
    groups: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
    pad: fc.boolean(),
    v4: fc.option(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 })),
    elide: fc.option(fc.tuple(fc.nat(7), fc.integer({ min: 1, max: 8 }))),
  })
  .map(({ groups, pad, v4, elide }) => {
    const parts: string[] = groups.map((g) => g.toString(16).padStart(pad ? 4 : 1, '0'))
    if (v4 !== null) parts.splice(6, 2, v4.join('.'))
    if (elide === null) return parts.join(':')
    // The `::` replaces `len` groups starting at `start`; an IPv4 tail counts as two.
    const slots = parts.length
    const start = Math.min(elide[0], slots - 1)
    const len = Math.min(elide[1], slots - start)
    return `${parts.slice(0, start).join(':')}::${parts.slice(start + len).join(':')}`
  })

const port = fc
  .tuple(fc.integer({ min: 0, max: 65535 }), fc.nat(2))
  .map(([p, zeros]) => `:${String(p).padStart(Math.min(5, String(p).length + zeros), '0')}`)

/** Upper-cases the characters `mask` picks. */
function recase(s: string, mask: boolean[]): string {
  if (mask.length === 0) return s
  let out = ''
  for (let i = 0; i < s.length; i++)
    out += mask[i % mask.length] ? s.charAt(i).toUpperCase() : s.charAt(i)
  return out
}

/** A valid Host value with the normalized host it must parse to. */
export const validHost: fc.Arbitrary<{ raw: string; normalized: string }> = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: name.map((n): [string, string] => [n, n]) },
      ipv6.map((a): [string, string] => [`[${a}]`, `[${a}]`]),
    ),
    fc.boolean(),
    fc.option(port),
    fc.array(fc.boolean(), { maxLength: 7 }),
  )
  .map(([[host, normalized], dot, p, mask]) => {
    const trailing = dot && !host.startsWith('[') ? '.' : ''
    return { raw: recase(host, mask) + trailing + (p ?? ''), normalized }
  })

const FORBIDDEN = [' ', '@', '/', '?', '#', '%', '\\', '"', '<', '>', ',', ';', '*', '+', '!']
const FORBIDDEN_MORE = [
  '$',
  '&',
  "'",
  '(',
  '=',
  '~',
  '\t',
  '\0',
  '\r',
  '\n',
  '\x7f',
  'é',
  'ß',
  '\u3002',
]

/** A Host value that must be refused, built by breaking a valid one in one known way. */
export const invalidHost: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(name, fc.nat(), fc.constantFrom(...FORBIDDEN, ...FORBIDDEN_MORE))
    .map(([n, at, c]) => n.slice(0, at % (n.length + 1)) + c + n.slice(at % (n.length + 1))),
  name.map((n) => `.${n}`),
  name.map((n) => `${n}..`),
  name.map((n) => n.replace('.', '..')).filter((n) => n.includes('..')),
  name.map((n) => `${n}.${'x'.repeat(64)}`),
  fc.nat(40).map((k) => `${'abcdefgh.'.repeat(28)}${'z'.repeat(k + 2)}`), // 254+ characters
  name.map((n) => `${n}:`),
  fc.tuple(name, fc.integer({ min: 65536, max: 999999 })).map(([n, p]) => `${n}:${p}`),
  fc
    .tuple(name, fc.constantFrom(':8a', ':-1', ': 80', ':80:80', ':+80', ':0x50'))
    .map(([n, p]) => n + p),
  name.map((n) => `user@${n}`),
  name.map((n) => `user:pass@${n}`),
  ipv6.map((a) => a), // unbracketed (always has a colon)
  ipv6.map((a) => `[${a}`),
  ipv6.map((a) => `${a}]`),
  ipv6.map((a) => `[${a}%25eth0]`),
  ipv6.map((a) => `[${a}]x`),
  ipv6.map((a) => `[${a}].`),
  ipv6.map((a) => `[${a}]:`),
  ipv6.filter((a) => !a.includes('::')).map((a) => `[${a}:1]`), // nine groups
  ipv6.filter((a) => a.includes('::')).map((a) => `[${a.replace('::', ':::')}]`),
  ipv6.map((a) => `[12345:${a.replace(/^[^:]*/, '')}]`),
  ipv6.map((a) => `[${a.replace(/[0-9a-f]/, 'g')}]`).filter((a) => a.includes('g')),
  fc.constantFrom('', ':80', '[]', '[]:80', '[:]', '[::1]:99999', '::1', '[::1]]', '[[::1]]'),
)

/**
 * The Host grammar the design asks for, written independently of src/host.ts: a name of
 * letters, digits, `-`, `_` and dots (labels 1–63, at most 253 without the trailing dot),
 * or a bracketed IPv6 literal (RFC 3986, no zone id), then an optional port of 1–5 digits
 * up to 65535. Returns the normalized host or null.
 */
export function referenceHost(value: string | undefined): string | null {
  if (value === undefined || value === '') return null
  const m = /^(\[[^\]]*\]|[A-Za-z0-9_.-]*)(?::([0-9]{1,5}))?$/.exec(value)
  if (m === null || (m[2] !== undefined && Number(m[2]) > 65535)) return null
  const host = m[1] as string
  if (host.startsWith('[')) {
    const inner = host.slice(1, -1)
    return isIPv6(inner) && !inner.includes('%') ? host.toLowerCase() : null
  }
  const bare = host.endsWith('.') ? host.slice(0, -1) : host
  if (bare === '' || bare.length > 253) return null
  if (!bare.split('.').every((l) => l.length >= 1 && l.length <= 63)) return null
  return bare.toLowerCase()
}

/** IPv4-in-IPv6 literals whose octets may have leading zeros (RFC 3986's dec-octet has none). */
export const ipv4Tail: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('::', '::ffff:', '1:2:3:4:5:6:', '64:ff9b::'),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.nat(2)), { minLength: 4, maxLength: 4 }),
  )
  .map(([head, octets]) => {
    const quad = octets.map(([o, z]) => String(o).padStart(Math.min(3, String(o).length + z), '0'))
    return `[${head}${quad.join('.')}]`
  })

/** Host-ish noise: mostly the characters that matter to the grammar. */
export const hostNoise: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(...'aZ09-_.:[]::.@%fF'.split(''), ' ', 'é', '\0', '1.2.3.4', '::'),
  maxLength: 24,
})

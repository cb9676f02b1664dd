import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  BadHost,
  forwardedHost,
  normalizeDomain,
  parseHost,
  subdomainOf,
} from '../src/parse/host.ts'

/** Asserts that `value` is refused, with a message matching `message`. */
function refused(value: string | undefined, message: RegExp): void {
  const r = parseHost(value)
  assert.ok(r instanceof BadHost, `${JSON.stringify(value)} should be refused, got ${String(r)}`)
  assert.match(r.message, message)
}

test('parseHost: plain names, ports, case, trailing dot', () => {
  assert.equal(parseHost('example.com'), 'example.com')
  assert.equal(parseHost('tenant.example.com:5000'), 'tenant.example.com')
  assert.equal(parseHost('localhost:3000'), 'localhost')
  assert.equal(parseHost('Tenant.EXAMPLE.com:80'), 'tenant.example.com')
  assert.equal(parseHost('example.com.'), 'example.com')
  assert.equal(parseHost('Example.COM.:8080'), 'example.com')
  assert.equal(parseHost('127.0.0.1:5000'), '127.0.0.1')
  assert.equal(parseHost('my_host-1.example.com'), 'my_host-1.example.com')
  assert.equal(parseHost('a:1'), 'a')
  assert.equal(parseHost('a:65535'), 'a')
})

test('parseHost: IPv6 literals', () => {
  assert.equal(parseHost('[::1]'), '[::1]')
  assert.equal(parseHost('[::1]:8080'), '[::1]')
  assert.equal(parseHost('[2001:DB8::1]'), '[2001:db8::1]')
  assert.equal(parseHost('[::ffff:1.2.3.4]:443'), '[::ffff:1.2.3.4]')
  assert.equal(parseHost('[1:2:3:4:5:6:7:8]'), '[1:2:3:4:5:6:7:8]')
  assert.equal(parseHost('[::]'), '[::]')
  assert.equal(parseHost('[fe80::]'), '[fe80::]')
  for (const bad of ['[::1', '[zz::1]', '[1]', '[1:2]', '[::1]x', '[::1].', '[fe80::1%eth0]']) {
    refused(bad, /^Invalid IPv6 literal in Host header$/)
  }
  for (const bad of ['[1:::2]', '[1::2::3]', '[12345::1]', '[1:2:3:4:5:6:7:8:9]', '[:1::2]']) {
    refused(bad, /IPv6/)
  }
  for (const bad of ['[::ffff:1.2.3]', '[::ffff:1.2.3.256]', '[::1.2.3.4:5]', '[]']) {
    refused(bad, /IPv6/)
  }
  refused('::1', /IPv6 literal in Host header \(brackets required\)/)
  refused('fe80::1', /brackets required/)
  refused('[::1]:', /^Invalid port in Host header$/)
  refused('[::1]:99999', /^Invalid port/)
})

test('parseHost: missing, empty and malformed values', () => {
  refused(undefined, /^Missing Host header$/)
  refused('', /^Empty Host header$/)
  refused(':80', /^Missing host name in Host header$/)
  refused('a b', /^Invalid character " " in Host header$/)
  refused('a/b', /^Invalid character "\/" in Host header$/)
  refused('a,b', /^Invalid character "," in Host header$/)
  refused('<script>', /^Invalid character "<" in Host header$/)
  refused('a\x00b', /^Invalid character "\\u0000" in Host header$/)
  refused('a\r\nb', /^Invalid character "\\r" in Host header$/)
  refused('\tex.com', /^Invalid character "\\t" in Host header$/)
  refused('exämple.com', /^Invalid character "ä" in Host header$/)
  refused('*.example.com', /Invalid character "\*"/)
  refused('a@b', /Userinfo/)
  refused('user:pass@host', /Userinfo/)
})

test('parseHost: labels and length', () => {
  refused('a..b', /^Empty label in Host header$/)
  refused('.a', /^Empty label/)
  refused('.', /^Empty label/)
  refused('example.com..', /^Empty label/)
  const label = 'x'.repeat(63)
  assert.equal(parseHost(`${label}.com`), `${label}.com`)
  refused(`${label}x.com`, /^Host name label longer than 63 characters$/)
  refused(`a.${label}x`, /label longer than 63/)
  refused(`a.${label}x:80`, /label longer than 63/)
  const name = `${label}.${label}.${label}.${'y'.repeat(61)}` // exactly 253
  assert.equal(name.length, 253)
  assert.equal(parseHost(`${name}.:443`), name)
  assert.equal(parseHost(name.toUpperCase()), name)
  refused(`${name}y`, /^Host name longer than 253 characters$/)
  refused(`${name}y.`, /longer than 253/)
})

test('parseHost: bad ports', () => {
  for (const bad of ['a:', 'a:99999', 'a:65536', 'a:12x', 'a:123456', 'a:-1', 'a: 80', 'a:80 ']) {
    refused(bad, /^Invalid port in Host header$/)
  }
})

test('parseHost: refusals are BadHost values, not thrown errors', () => {
  const r = parseHost('a b')
  assert.ok(r instanceof BadHost)
  assert.ok(!(r instanceof Error))
})

test('forwardedHost: last element of a list, trimmed', () => {
  assert.equal(forwardedHost(undefined), undefined)
  assert.equal(forwardedHost(''), undefined)
  assert.equal(forwardedHost('   '), undefined)
  assert.equal(forwardedHost('example.com'), 'example.com')
  assert.equal(forwardedHost(' example.com '), 'example.com')
  assert.equal(forwardedHost('evil.com, proxy.example.com'), 'proxy.example.com')
  assert.equal(forwardedHost('a,b,c:8080'), 'c:8080')
  // A trailing empty element is refused downstream, never replaced by the client's Host.
  assert.equal(forwardedHost('a.com, '), '')
  assert.ok(parseHost(forwardedHost('a.com,')) instanceof BadHost)
})

test('subdomainOf: label-boundary matching', () => {
  assert.equal(subdomainOf('a.example.com', 'example.com'), 'a')
  assert.equal(subdomainOf('a.b.example.com', 'example.com'), 'a.b')
  assert.equal(subdomainOf('example.com', 'example.com'), '')
  assert.equal(subdomainOf('evilexample.com', 'example.com'), undefined)
  assert.equal(subdomainOf('a.evilexample.com', 'example.com'), undefined)
  assert.equal(subdomainOf('example.com.evil.org', 'example.com'), undefined)
  assert.equal(subdomainOf('other.org', 'example.com'), undefined)
  assert.equal(subdomainOf('com', 'example.com'), undefined)
  assert.equal(subdomainOf('xample.com', 'example.com'), undefined)
  assert.equal(subdomainOf('.example.com', 'example.com'), undefined)
  assert.equal(subdomainOf('examplf.com', 'example.com'), undefined)
})

test('normalizeDomain: lower-cases, strips one trailing dot', () => {
  assert.equal(normalizeDomain('Example.COM.', 'subdomains()'), 'example.com')
  assert.equal(normalizeDomain('localhost', 'subdomains()'), 'localhost')
  assert.equal(normalizeDomain('[::1]', 'hosts()'), '[::1]')
})

test('normalizeDomain: throws a TypeError naming the domain and the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['exa mple.com', /^subdomains\(\): invalid domain "exa mple\.com": invalid character " "$/],
    ['', /^subdomains\(\): invalid domain "": empty$/],
    ['example.com:80', /invalid domain "example\.com:80": a port is not allowed$/],
    ['[::1]:80', /invalid domain "\[::1\]:80": a port is not allowed$/],
    ['a..com', /invalid domain "a\.\.com": empty label$/],
    ['example.com..', /empty label$/],
    ['[zz::1]', /invalid IPv6 literal$/],
    [`${'a'.repeat(64)}.com`, /host name label longer than 63 characters$/],
    ['user@example.com', /userinfo/],
  ]
  for (const [domain, message] of cases) {
    assert.throws(
      () => normalizeDomain(domain, 'subdomains()'),
      (e: unknown) => {
        assert.ok(e instanceof TypeError)
        assert.match(e.message, message)
        return true
      },
    )
  }
  assert.throws(
    () => normalizeDomain('a b', 'hosts()', 'label'),
    /^TypeError: hosts\(\): invalid label "a b"/,
  )
})

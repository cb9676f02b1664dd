// Property-based tests (issue 6, item 1) over whole dispatch trees: subdomains() keys on
// label boundaries only, and (f) no input, however malformed, throws out of a dispatcher or
// reaches an app's error path.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  type AppFactory,
  fetchApp,
  hosts,
  lazy,
  mount,
  mountInfo,
  node,
  paths,
  subdomains,
  toFetchHandler,
} from '../src/index.ts'
import { toNodeListener } from '../src/node.ts'
import { hostNoise, invalidHost, referenceHost, validHost } from './support/host-arbs.ts'
import { callNode } from './support/inproc.ts'
import { rawTarget } from './support/path-arbs.ts'

const RUNS = { numRuns: 10_000 }
const LABELS = ['a', 'b', 'ab', 'ba', 'x-y', '_', 'example', 'evilexample', 'com']

const labels = (min: number, max: number) =>
  fc.array(fc.constantFrom(...LABELS), { minLength: min, maxLength: max }).map((l) => l.join('.'))

const keyLeaf = node((req, res) => {
  res.end(`key:${mountInfo(req)?.key}`)
})

describe('subdomains()', () => {
  it('a tenant key only for hosts under the domain on a label boundary', async () => {
    const host = fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .tuple(labels(1, 4), fc.boolean(), fc.boolean(), fc.boolean())
          .map(([name, upper, dot, port]) => {
            const cased = upper ? name.toUpperCase() : name
            return cased + (dot ? '.' : '') + (port ? ':8080' : '')
          }),
      },
      { weight: 1, arbitrary: invalidHost },
    )
    await fc.assert(
      fc.asyncProperty(labels(1, 3), host, async (domain, raw) => {
        const calls: string[] = []
        const app = subdomains(
          domain,
          (key) => {
            calls.push(key)
            return keyLeaf
          },
          {
            fallback: node((_req, res) => res.end('fallback')),
          },
        )
        const { status, body } = await callNode(toNodeListener(app, {}), { url: '/', host: raw })
        const h = referenceHost(raw)
        if (h === null) {
          assert.equal(status, 400, raw)
          return assert.deepEqual(calls, [])
        }
        const key =
          h === domain ? '' : h.endsWith(`.${domain}`) ? h.slice(0, -domain.length - 1) : null
        assert.deepEqual(calls, key === null ? [] : [key], `${raw} under ${domain}`)
        assert.equal(body, key === null ? 'fallback' : `key:${key}`)
      }),
      RUNS,
    )
  })
})

// A tree with every dispatcher kind and both leaf kinds; factories give null for some keys.
function tree() {
  const fetchLeaf = fetchApp((request) => new Response(mountInfo(request)?.path ?? '?'))
  const factory: AppFactory = (key) =>
    key.length % 3 === 0 ? null : key.length % 2 ? keyLeaf : fetchLeaf
  return hosts(
    {
      'www.example.com': mount(keyLeaf, {
        '/api': paths(fetchLeaf, factory, { max: 20 }),
        '/x/y': fetchLeaf,
      }),
      '{t}.example.com': subdomains('example.com', factory, { max: 20 }),
      '*.lazy.test': lazy((r) => r.header('x-tenant') ?? null, factory, { max: 20 }),
      '[::1]': fetchLeaf,
    },
    mount(fetchLeaf, { '/a': keyLeaf }),
  )
}

const anything = fc.string({ unit: 'binary', maxLength: 40 })
const target = fc.oneof(
  { weight: 4, arbitrary: rawTarget },
  anything,
  anything.map((s) => `/${s}`),
  fc.string({
    unit: fc.constantFrom(...'/%.\\?#*:@ a~\0é'.split(''), '%2e', '%2F', '..'),
    maxLength: 20,
  }),
)
const hostHeader = fc.option(
  fc.oneof(
    fc.constantFrom(
      'www.example.com',
      'acme.example.com',
      'ab.example.com',
      'x.lazy.test',
      '[::1]:80',
    ),
    validHost.map((h) => h.raw),
    invalidHost,
    hostNoise,
    anything,
  ),
  { nil: undefined },
)
const headers = fc.dictionary(
  fc.constantFrom('x-tenant', 'x-forwarded-host', 'x-forwarded-prefix', 'x-other'),
  fc.oneof(fc.constantFrom('abc', 'ab', 'evil.example.com', '/p'), anything),
)
const method = fc.constantFrom(
  'GET',
  'HEAD',
  'POST',
  'OPTIONS',
  'DELETE',
  'PROPFIND',
  'get',
  'M-SEARCH',
)
const ALLOWED = [200, 400, 404]

describe('(f) nothing throws out of the dispatcher', () => {
  it('Node entry: any target, Host, method and headers end in 200, 400 or 404', async () => {
    const reported: unknown[] = []
    const statuses = new Set<number>()
    for (const trustProxy of [false, true]) {
      const listener = toNodeListener(tree(), { trustProxy, onError: (e) => reported.push(e) })
      await fc.assert(
        fc.asyncProperty(target, hostHeader, method, headers, async (url, host, m, extra) => {
          const { status } = await callNode(listener, { url, host, method: m, headers: extra })
          statuses.add(status)
          assert.ok(ALLOWED.includes(status), `${status} for ${JSON.stringify([m, url, host])}`)
        }),
        RUNS,
      )
    }
    assert.deepEqual(reported, [])
    assert.deepEqual([...statuses].sort(), ALLOWED, 'the inputs reach every outcome')
  })

  it('Fetch entry: any Request the runtime accepts ends in 200, 400 or 404', async () => {
    const reported: unknown[] = []
    const statuses = new Set<number>()
    const fetch = toFetchHandler(tree(), { onError: (e) => reported.push(e) })
    await fc.assert(
      fc.asyncProperty(target, hostHeader, method, headers, async (url, host, m, extra) => {
        let request: Request
        try {
          request = new Request(
            `http://${host ?? 'localhost'}${url.startsWith('/') ? url : `/${url}`}`,
            {
              method: m,
              headers: extra,
            },
          )
        } catch {
          return // the runtime refuses it before any dispatcher could see it
        }
        const response = await fetch(request)
        await response.arrayBuffer()
        statuses.add(response.status)
        assert.ok(ALLOWED.includes(response.status), `${response.status} for ${request.url}`)
      }),
      RUNS,
    )
    assert.deepEqual(reported, [])
    assert.deepEqual([...statuses].sort(), ALLOWED, 'the inputs reach every outcome')
  })
})

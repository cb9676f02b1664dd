// Property-based tests (issue 6, item 1): paths and mount tables, hosts, and "nothing throws".
// Requests go through the real entries: the Node listener in-process (support/inproc.ts, raw
// req.url) and dispatcher.fetch (WHATWG-parsed URLs).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { BadHost, parseHost } from '../src/parse/host.ts'
import { BadPath, normalizePath } from '../src/parse/path.ts'
import { hostNoise, invalidHost, ipv4Tail, referenceHost, validHost } from './support/host-arbs.ts'
import {
  decodingAgrees,
  encodeSome,
  expectedDispatch,
  insertAfterSlash,
  type MountModel,
  mountTable,
  rawPath,
  rawTarget,
  removeDotSegmentsRfc,
} from './support/path-arbs.ts'
import { pathOf, type Seen, viaFetch, viaNode } from './support/probe-tree.ts'

const RUNS = { numRuns: 10_000 }
/** What a comparison between two dispatches looks at: the app, its base and its rest. */
const view = (r: Seen | number) =>
  typeof r === 'number' ? r : [r.id, r.info.basePath, r.info.path]

describe('paths × mount tables', () => {
  it('(a)(b)(c) Node entry: model dispatch, basePath + path = normalized, no // rest', async () => {
    await fc.assert(
      fc.asyncProperty(mountTable, rawTarget, async (model, target) => {
        const result = await viaNode(model, target)
        const normal = normalizePath(pathOf(target))
        if (normal instanceof BadPath) return assert.equal(result, 400)
        // No escape reopens a decision: 400 exactly when the decoded path goes elsewhere.
        if (!decodingAgrees(model, normal)) return assert.equal(result, 400, normal)
        assert.ok(typeof result === 'object', `status ${String(result)}`)
        const { info, url, xfp } = result
        assert.deepEqual(
          { id: result.id, basePath: info.basePath, path: info.path },
          expectedDispatch(model, normal),
        )
        assert.ok(
          info.basePath + info.path === normal || (info.path === '/' && info.basePath === normal),
        )
        assert.ok(
          info.basePath === '' ||
            normal === info.basePath ||
            normal.startsWith(`${info.basePath}/`),
        )
        assert.ok(!info.path.startsWith('//') && !url.startsWith('//'), url)
        assert.ok(url === info.path || url.startsWith(`${info.path}?`), `${url} vs ${info.path}`)
        assert.equal(xfp, info.basePath === '' ? undefined : info.basePath)
      }),
      RUNS,
    )
  })

  it('(a)(c) Fetch entry: the app URL is the normalized rest, never //', async () => {
    await fc.assert(
      fc.asyncProperty(mountTable, rawPath, async (model, raw) => {
        const got = await viaFetch(model, raw)
        const normal = normalizePath(new URL(`http://h.example${raw}`).pathname)
        if (normal instanceof BadPath) return assert.equal(got, 400)
        if (!decodingAgrees(model, normal)) return assert.equal(got, 400, normal)
        assert.ok(typeof got === 'object', `status ${String(got)}`)
        const { info, url } = got
        assert.equal(got.id, expectedDispatch(model, normal).id)
        assert.ok(
          info.basePath + info.path === normal || (info.path === '/' && info.basePath === normal),
        )
        assert.equal(url, info.path)
        assert.ok(!url.startsWith('//'))
      }),
      RUNS,
    )
  })

  it('(b) a prefix matches at segment boundaries only', async () => {
    const tail = fc.string({
      unit: fc.constantFrom(...'abz09-_~'.split(''), '%41', '/x'),
      minLength: 1,
      maxLength: 6,
    })
    await fc.assert(
      fc.asyncProperty(mountTable, tail, fc.boolean(), async (model, t, slash) => {
        fc.pre(model.mounts.length > 0 && !t.startsWith('/'))
        const [p] = model.mounts[0] as MountModel['mounts'][0]
        const result = await viaNode({ mounts: [[p, null, false]] }, p + (slash ? `/${t}` : t))
        assert.ok(typeof result === 'object')
        assert.equal(result.id, slash ? p : '*', `${p} + ${t}`)
      }),
      RUNS,
    )
  })

  it('(d) RFC 3986-equivalent spellings dispatch to the same app with the same rest', async () => {
    const variant = fc.record({
      mask: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
      upper: fc.boolean(),
      at: fc.array(fc.tuple(fc.nat(), fc.constantFrom('./', 'x/../', 'a.b/%2E%2e/', '%2e/')), {
        maxLength: 3,
      }),
    })
    await fc.assert(
      fc.asyncProperty(mountTable, rawPath, variant, async (model, raw, { mask, upper, at }) => {
        let other = encodeSome(raw, mask, upper)
        for (const [n, insert] of at) other = insertAfterSlash(other, n, insert)
        const [a, b] = [await viaNode(model, raw), await viaNode(model, other)]
        assert.deepEqual(view(b), view(a), `${raw} vs ${other}`)
      }),
      RUNS,
    )
  })

  it('normalizePath is idempotent and keeps the query-free path absolute', () => {
    fc.assert(
      fc.property(rawPath, (raw) => {
        const once = normalizePath(raw)
        if (once instanceof BadPath) return
        assert.equal(normalizePath(once), once)
        assert.ok(once.startsWith('/') && !once.includes('//'))
      }),
      RUNS,
    )
  })

  it('normalizePath = RFC 3986 §6.2.2 (decode unreserved, remove_dot_segments), then merged slashes', () => {
    fc.assert(
      fc.property(rawPath, (raw) => {
        const got = normalizePath(raw)
        if (/%(?![0-9A-Fa-f]{2})/.test(raw)) return assert.ok(got instanceof BadPath)
        const decoded = raw.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
          const c = String.fromCharCode(Number.parseInt(hex, 16))
          return /[A-Za-z0-9._~-]/.test(c) ? c : m.toUpperCase()
        })
        assert.equal(got, removeDotSegmentsRfc(decoded).replace(/\/{2,}/g, '/') || '/', raw)
      }),
      RUNS,
    )
  })

  it('the Node entry and the Fetch entry dispatch the same path identically', async () => {
    await fc.assert(
      fc.asyncProperty(mountTable, rawPath, async (model, raw) => {
        // WHATWG resolves dot-segments before the library sees the URL, so a broken escape
        // in a popped segment (`/%/..`) can only be refused by the Node entry.
        fc.pre(!/%(?![0-9A-Fa-f]{2})/.test(raw))
        const [byNode, byFetch] = [await viaNode(model, raw), await viaFetch(model, raw)]
        assert.deepEqual(view(byFetch), view(byNode), raw)
      }),
      RUNS,
    )
  })
})

describe('hosts', () => {
  it('(e) valid hosts parse to their normalized form, which parses to itself', () => {
    fc.assert(
      fc.property(validHost, ({ raw, normalized }) => {
        assert.equal(parseHost(raw), normalized, raw)
        assert.equal(parseHost(normalized), normalized)
      }),
      RUNS,
    )
  })

  it('(e) invalid hosts are refused', () => {
    fc.assert(
      fc.property(invalidHost, (raw) => {
        assert.ok(parseHost(raw) instanceof BadHost, `accepted ${JSON.stringify(raw)}`)
      }),
      RUNS,
    )
  })

  it('(e) parseHost agrees with an independent reference grammar', () => {
    const any = fc.oneof(
      hostNoise,
      invalidHost,
      validHost.map((h) => h.raw),
    )
    fc.assert(
      fc.property(any, (raw) => {
        const got = parseHost(raw)
        assert.equal(got instanceof BadHost ? null : got, referenceHost(raw), JSON.stringify(raw))
      }),
      RUNS,
    )
  })

  it('(e) IPv4-in-IPv6 literals follow RFC 3986 dec-octet (no leading zeros)', () => {
    fc.assert(
      fc.property(ipv4Tail, (raw) => {
        const got = parseHost(raw)
        assert.equal(got instanceof BadHost ? null : got, referenceHost(raw), raw)
      }),
      RUNS,
    )
  })
})

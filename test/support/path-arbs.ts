// Generators for request paths and mount tables, and an independent model of dispatch.
import fc from 'fast-check'

// Already normalized segments (so they are valid prefixes), chosen to collide: `a` is a
// string prefix of `ab` and `a.b`, `a%2Fb` holds an escaped separator (`a/b` once decoded),
// `%40a` is `@a` decoded, `...` is not a dot-segment.
export const SEGMENTS = [
  ...['a', 'ab', 'a.b', 'b', 'A', 'v2', '~u', 'x-y', 'a%2Fb', '%20', '%40a', '..a', '...'],
]

// Raw material for paths: separators, dots, escapes valid and not, and the segments above.
const TOKENS = [
  ...['/', '/', '/', '//', '.', '..', './', '../', '%', '%2', '%4', '%zz', '%g1', '%%'],
  ...['%2e', '%2E', '%2F', '%2f', '%61', '%41', '%7e', '%7E', '%25', '%20', '%5F', '%2D'],
  ...['a', 'b', 'A', 'e', 'F', 'f', '2', '4', 'v', 'x', '-', '~', '_'],
  ...SEGMENTS,
]

export const rawPath: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...TOKENS), { maxLength: 14 })
  .map((tokens) => `/${tokens.join('')}`)

/** A raw target: a path, sometimes absolute-form, sometimes with a query or a fragment. */
export const rawTarget: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('', '', '', 'http://h.example', 'https://h.example:8443'),
    rawPath,
    fc.constantFrom('', '', '?', '?q=/../%2e%2e', '#frag', '?x#y'),
  )
  .map(([origin, path, tail]) => origin + path + tail)

/** A mount node: its prefixes, each leading to a leaf (null) or a nested mount. */
export interface MountModel {
  mounts: Array<[prefix: string, child: MountModel | null, trailingSlash: boolean]>
}

const prefix = fc
  .array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 3 })
  .map((s) => `/${s.join('/')}`)

function table(depth: number): fc.Arbitrary<MountModel> {
  const child = depth > 0 ? fc.option(table(depth - 1), { freq: 3 }) : fc.constant(null)
  return fc
    .uniqueArray(fc.tuple(prefix, child, fc.boolean()), {
      // `/a%2Fb` and `/a/b` are one prefix once decoded: mount() refuses the pair.
      selector: ([p]) => decodeAllRef(p),
      maxLength: 5,
    })
    .map((mounts) => ({ mounts }))
}

export const mountTable: fc.Arbitrary<MountModel> = table(2)

export interface Expected {
  id: string
  basePath: string
  path: string
}

/**
 * Where a normalized path goes, computed without the library: longest prefix p such that
 * the path is p or starts with p + '/', recursively. Leaf ids are the accumulated prefixes;
 * a mount's default app is its id followed by `*`.
 */
export function expectedDispatch(model: MountModel, path: string): Expected {
  let node: MountModel | null = model
  let base = ''
  let rest = path
  while (node !== null) {
    let best: [string, MountModel | null] | undefined
    for (const [p, child] of node.mounts) {
      const under = rest === p || rest.startsWith(`${p}/`)
      if (under && (best === undefined || p.length > best[0].length)) best = [p, child]
    }
    if (best === undefined) return { id: `${base}*`, basePath: base, path: rest }
    base += best[0]
    rest = rest === best[0] ? '/' : rest.slice(best[0].length)
    node = best[1]
  }
  return { id: base, basePath: base, path: rest }
}

// ---- RFC 3986 equivalences ----

const UNRESERVED = /[A-Za-z0-9._~-]/

/** Percent-encodes unreserved characters picked by `mask` (either hex case), not inside escapes. */
export function encodeSome(path: string, mask: boolean[], upper: boolean): string {
  let out = ''
  for (let i = 0; i < path.length; i++) {
    const c = path.charAt(i)
    if (c === '%') {
      // An escape (or a broken one) stays as it is: `%4` + `a` must not become `%4%61`.
      out += path.slice(i, i + 3)
      i += 2
    } else if (mask[i % mask.length] && UNRESERVED.test(c)) {
      const hex = c.charCodeAt(0).toString(16).padStart(2, '0')
      out += `%${upper ? hex.toUpperCase() : hex}`
    } else out += c
  }
  return out
}

/** Inserts `insert` right after the n-th `/` of the path (mod the number of slashes). */
export function insertAfterSlash(path: string, n: number, insert: string): string {
  const slashes: number[] = []
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) slashes.push(i)
  const at = (slashes[n % slashes.length] as number) + 1
  return path.slice(0, at) + insert + path.slice(at)
}

/** RFC 3986 §5.2.4 remove_dot_segments, literally (empty segments are kept). */
export function removeDotSegmentsRfc(input: string): string {
  let out = ''
  let rest = input
  while (rest.length > 0) {
    if (rest.startsWith('../')) rest = rest.slice(3)
    else if (rest.startsWith('./')) rest = rest.slice(2)
    else if (rest.startsWith('/./')) rest = rest.slice(2)
    else if (rest === '/.') rest = '/'
    else if (rest.startsWith('/../') || rest === '/..') {
      rest = rest === '/..' ? '/' : rest.slice(3)
      out = out.slice(0, Math.max(0, out.lastIndexOf('/')))
    } else if (rest === '.' || rest === '..') rest = ''
    else {
      const next = rest.indexOf('/', 1)
      const end = next < 0 ? rest.length : next
      out += rest.slice(0, end)
      rest = rest.slice(end)
    }
  }
  return out
}

// ---- what an app that percent-decodes the path reads (no escape reopens a decision) ----

/** Every escape decoded, one character per byte; `%5C` read as `/`. */
export function decodeAllRef(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const code = Number.parseInt(hex, 16)
    return code === 0x5c ? '/' : String.fromCharCode(code)
  })
}

/** A normalized path as a decoding app reads it: decoded, dot-segments removed, `//` merged. */
export function decodedViewRef(path: string): string {
  return removeDotSegmentsRfc(decodeAllRef(path)).replace(/\/{2,}/g, '/') || '/'
}

export interface Walk {
  /** The choices made, one per level: a prefix's index or `*`; the same app iff equal. */
  branch: string
  /** The leaf's id as build() names it: the accumulated prefixes as written. */
  id: string
  rest: string
}

/**
 * Dispatch by the model, on the path as sent (`decoded` false: expectedDispatch) or on its
 * decoded view against the decoded prefixes (`decoded` true): where an app that decodes
 * the path would place it.
 */
export function walk(model: MountModel, path: string, decoded: boolean): Walk {
  let node: MountModel | null = model
  let id = ''
  let branch = ''
  let rest = path
  while (node !== null) {
    let best: [number, string, MountModel | null] | undefined
    node.mounts.forEach(([p, child], i) => {
      const q = decoded ? decodeAllRef(p) : p
      const under = rest === q || rest.startsWith(`${q}/`)
      if (under && (best === undefined || q.length > best[1].length)) best = [i, q, child]
    })
    if (best === undefined) return { branch: `${branch}*`, id: `${id}*`, rest }
    const [i, q, child] = best
    branch += `${i}.`
    id += (node.mounts[i] as MountModel['mounts'][0])[0]
    rest = rest === q ? '/' : rest.slice(q.length)
    node = child
  }
  return { branch, id, rest }
}

/**
 * Whether the rule lets a normalized path through: its decoded view reaches the same app,
 * and that app's rest decoded is what the decoded view leaves it.
 */
export function decodingAgrees(model: MountModel, normal: string): boolean {
  const sent = walk(model, normal, false)
  const decoded = walk(model, decodedViewRef(normal), true)
  return sent.branch === decoded.branch && decodedViewRef(sent.rest) === decoded.rest
}

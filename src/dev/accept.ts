// Whether a client's Accept header prefers JSON to HTML, so the dev server can answer an
// API client's error with JSON and a browser's with the error page.
// RFC 9110 §12.5.1: a type's weight is that of the most specific range matching it. When
// both weigh the same, the more specific match wins (`application/json, */*` asks for
// JSON), then the one listed first; `*/*` alone, or no header, keeps HTML.

interface Range {
  type: string
  subtype: string
  q: number
  index: number
}

interface Match {
  q: number
  specificity: number
  index: number
}

export function prefersJson(accept: string | string[] | undefined): boolean {
  if (accept === undefined) return false
  const ranges = parseAccept(Array.isArray(accept) ? accept.join(',') : accept)
  const json = bestMatch(
    ranges,
    'application',
    (subtype) => subtype === 'json' || subtype.endsWith('+json'),
  )
  const html = bestMatch(ranges, 'text', (subtype) => subtype === 'html')
  if (json === undefined || json.q === 0) return false
  if (html === undefined || html.q === 0) return true
  if (json.q !== html.q) return json.q > html.q
  if (json.specificity !== html.specificity) return json.specificity > html.specificity
  return json.index < html.index
}

function parseAccept(header: string): Range[] {
  const ranges: Range[] = []
  for (const [index, part] of header.split(',').entries()) {
    const [mediaType = '', ...params] = part.split(';')
    const [type, subtype] = mediaType.trim().toLowerCase().split('/')
    if (type === undefined || subtype === undefined || type === '' || subtype === '') continue
    let q = 1
    for (const param of params) {
      const [name, value] = param.split('=').map((s) => s.trim())
      if (name?.toLowerCase() !== 'q' || value === undefined) continue
      const weight = Number(value)
      if (value !== '' && weight >= 0 && weight <= 1) q = weight
    }
    ranges.push({ type, subtype, q, index })
  }
  return ranges
}

/** The most specific range matching `type/…` (2 exact, 1 `type/*`, 0 `*\/*`), best q first. */
function bestMatch(
  ranges: Range[],
  type: string,
  subtypeMatches: (subtype: string) => boolean,
): Match | undefined {
  let best: Match | undefined
  for (const range of ranges) {
    const specificity = specificityOf(range, type, subtypeMatches)
    if (specificity < 0) continue
    if (
      best === undefined ||
      specificity > best.specificity ||
      (specificity === best.specificity && range.q > best.q)
    ) {
      best = { q: range.q, specificity, index: range.index }
    }
  }
  return best
}

function specificityOf(range: Range, type: string, subtypeMatches: (s: string) => boolean): number {
  if (range.type === '*') return range.subtype === '*' ? 0 : -1
  if (range.type !== type) return -1
  if (range.subtype === '*') return 1
  return subtypeMatches(range.subtype) ? 2 : -1
}

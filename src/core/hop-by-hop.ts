// RFC 9110 §7.6.1: the connection-specific fields, meaningful for one hop only. Whatever
// hands a request or a response on (the upstream proxy, the Fetch entry's replay) drops
// them, and the fields the Connection field names.

export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'http2-settings',
])

/** `Transfer-Encoding` in any case, without a lower-cased copy of every name. */
export function isTransferEncoding(name: unknown): boolean {
  return (
    typeof name === 'string' && name.length === 17 && name.toLowerCase() === 'transfer-encoding'
  )
}

/** The fields a `Connection` field names (lower-case): hop-by-hop as well. None: undefined. */
export function connectionTokens(
  value: string | readonly string[] | null | undefined,
): Set<string> | undefined {
  if (value === undefined || value === null) return undefined
  const tokens = new Set<string>()
  for (const part of typeof value === 'string' ? [value] : value) {
    for (const token of part.split(',')) {
      const name = token.trim().toLowerCase()
      if (name !== '') tokens.add(name)
    }
  }
  return tokens
}

/**
 * A flat field list (`[name, value, …]`, as `rawHeaders`) without its hop-by-hop fields and
 * those its Connection fields name.
 */
export function endToEnd(flat: readonly string[]): string[] {
  const listed: string[] = []
  for (let i = 0; i < flat.length; i += 2) {
    if ((flat[i] as string).toLowerCase() === 'connection') listed.push(flat[i + 1] as string)
  }
  const named = listed.length === 0 ? undefined : connectionTokens(listed)
  const kept: string[] = []
  for (let i = 0; i < flat.length; i += 2) {
    const lower = (flat[i] as string).toLowerCase()
    if (HOP_BY_HOP.has(lower) || named?.has(lower) === true) continue
    kept.push(flat[i] as string, flat[i + 1] as string)
  }
  return kept
}

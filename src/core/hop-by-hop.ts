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

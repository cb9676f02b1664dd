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

// Is it a Response? `instanceof Response` is not enough: @hono/node-server's global
// override makes `Response` its lightweight class, of which a native Response (from
// `fetch()`, or made before the override) is not an instance. Both carry the tag.
export function isResponse(value: unknown): value is Response {
  return (
    value instanceof Response ||
    (typeof value === 'object' &&
      value !== null &&
      Object.prototype.toString.call(value) === '[object Response]')
  )
}

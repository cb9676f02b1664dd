// Is it a Response? `instanceof Response` is not enough: @hono/node-server's global
// override makes `Response` its lightweight class, of which a native Response (from
// `fetch()`, or made before the override) is not an instance. Both carry the tag.
export function isResponse(value: unknown): value is Response {
  // Objects only: a Node handler's usual `undefined` is answered by the first test.
  return (
    typeof value === 'object' &&
    value !== null &&
    (value instanceof Response || Object.prototype.toString.call(value) === '[object Response]')
  )
}

// The malformed-request corpus (issue 6, item 2). Each case is raw bytes (latin1), the
// status it must get and who answers it: `node` is Node's own HTTP parser (llhttp; no
// content-type), `library` is switchyard's error funnel (a text/plain reason).
// `{k}` in a case is replaced by a label unique to the case, so a tenant factory call for a
// refused request is visible.

export interface Case {
  name: string
  request: string
  /** null: the connection is closed without a response. */
  status: number | null
  by: 'node' | 'library'
  /** Set while the library is known to be wrong: the reason. */
  todo?: string
}

const CRLF = '\r\n'
const WWW = 'Host: www.example.com'
const K = 'Host: {k}.example.com'

/** A request from its request line and header lines. */
export const head = (line: string, ...headers: string[]) =>
  line + CRLF + headers.map((h) => h + CRLF).join('') + CRLF
const get = (target: string, ...headers: string[]) => head(`GET ${target} HTTP/1.1`, ...headers)
const host = (value: string) => get('/', `Host: ${value}`)
const www = (target: string, ...headers: string[]) => get(target, WWW, ...headers)
const post = (...headers: string[]) => head('POST /api HTTP/1.1', WWW, ...headers)
const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1')

type Row = [name: string, request: string]
// biome-ignore format: one row per line reads as a table
const groups: Array<[Case['by'], number | null, Row[], todo?: string]> = [
  // Host: missing, empty, malformed, over-long, with userinfo (the library's parseHost)
  ['library', 400, [
    ['HTTP/1.0 without Host', head('GET / HTTP/1.0')],
    ['HTTP/1.0 without Host, under a mount', head('GET /api/x HTTP/1.0')],
    ['HTTP/0.9 request line (no version, no Host)', 'GET /\r\n\r\n'],
    ['empty Host', get('/', 'Host:')],
    ['blank Host (Node trims it to empty)', get('/', 'Host:    ')],
    ...([
      ['space inside', '{k} x.example.com'], ['tab inside', '{k}\t.example.com'],
      ['comma list', '{k}.example.com, www.example.com'], ['slash', '{k}.example.com/x'],
      ['question mark', '{k}.example.com?x'], ['hash', '{k}.example.com#x'],
      ['percent-encoded dot', '{k}%2eexample.com'], ['backslash', '{k}\\example.com'],
      ['asterisk', '*.example.com'], ['empty label', '{k}..example.com'],
      ['leading dot', '.{k}.example.com'], ['two trailing dots', '{k}.example.com..'],
      ['a lone dot', '.'], ['port only', ':80'], ['empty port', '{k}.example.com:'],
      ['port over 65535', '{k}.example.com:65536'], ['six-digit port', '{k}.example.com:000080'],
      ['two ports', '{k}.example.com:80:80'], ['letter in port', '{k}.example.com:8o'],
      ['negative port', '{k}.example.com:-1'], ['space before port', '{k}.example.com: 80'],
      ['label of 64', `${'a'.repeat(64)}.example.com`],
      ['name of 254', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`],
      ['10 KB name', `${'a.'.repeat(5000)}example.com`], ['latin-1 byte', 'ex\xe4mple.{k}.example.com'],
      ['UTF-8 name', utf8('{k}.exämple.com')], ['ideographic full stop', utf8('{k}\u3002example.com')],
      ['quotes', '"{k}.example.com"'], ['angle brackets', '<{k}.example.com>'],
      ['semicolon', '{k}.example.com;x'], ['userinfo', 'user@{k}.example.com'],
      ['userinfo with password', 'user:pass@{k}.example.com'], ['empty userinfo', '@{k}.example.com'],
      ['userinfo after the name', '{k}.example.com@evil.test'],
      ['userinfo after the port', '{k}.example.com:80@evil.test'],
    ] as Row[]).map(([name, value]): Row => [`Host: ${name}`, host(value)]),
  ]],
  ['library', 400, [
    ['duplicate Host, same value', get('/', K, K)],
    ['duplicate Host, other tenant', get('/', K, WWW)],
    ['duplicate Host, other case', get('/', K, 'host: x{k}.example.com')],
  ]],
  // IPv6 literals
  ['library', 400, [
    '[::1', '::1', '[::1]]', '[[::1]]', '[::1]x', '[::1].', '[::1]:', '[::1]:99999', '[fe80::1%25eth0]',
    '[fe80::1%eth0]', '[:::1]', '[1::2::3]', '[12345::1]', '[1:2:3:4:5:6:7:8:9]', '[]', '[g::1]',
    '[::1.2.3]', '[::1.2.3.256]', '[v1.fe80::a+en1]', '1.2.3.4]', '[::1] [::2]',
  ].map((value): Row => [`IPv6: ${value}`, host(value)])],
  // well-formed hosts outside the tenant domain: the fallback, never a tenant
  ['library', 404, [
    ...['[::1]:8080', 'evilexample.com', 'example.com', 'example.com.evil.test', '127.0.0.1',
      '{k}.example.com.evil.test', '{k}.example.co'].map((v): Row => [`foreign host ${v}`, host(v)]),
    ['X-Forwarded-Host without trustProxy', get('/', 'Host: o.test', 'X-Forwarded-Host: {k}.example.com')],
    ['PURGE to a foreign host', head('PURGE / HTTP/1.1', 'Host: evilexample.com')],
    ['TRACE to a foreign host', head('TRACE / HTTP/1.1', 'Host: unknown.test')],
  ]],
  // absolute-form targets that disagree with Host
  ['library', 400, [
    ['absolute-form names a tenant, Host names www', www('http://{k}.example.com/')],
    ['absolute-form names www, Host names a tenant', get('http://www.example.com/api/x', K)],
    ['absolute-form names a foreign host', www('http://evil.test/api/x')],
    ['absolute-form with userinfo', www('http://user@{k}.example.com/')],
    ['absolute-form with a broken authority', www('http://[::1/api')],
  ]],
  // other request-target forms, invalid percent-encoding, backslashes (parseTarget)
  ['library', 400, [
    ['absolute-form with another scheme', www('ftp://www.example.com/')],
    ['asterisk-form with GET', www('*')],
    ['OPTIONS *', head('OPTIONS * HTTP/1.1', WWW)],
    ['M-SEARCH *', head('M-SEARCH * HTTP/1.1', WWW)],
    ...['/%', '/%zz', '/%4', '/%g1', '/api/%', '/%%41', '/a%2Gb', '/%u0041', '/api/x%2', '/ok/%/..',
      '/%ZZ/../api', '/a\\b', '/api/..\\..\\etc'].map((path): Row => [`path ${path}`, www(path)]),
    ['HEAD with a bad escape (no body)', head('HEAD /%zz HTTP/1.1', WWW)],
    ['15 KB of bad escapes', www(`/${'%zz'.repeat(5000)}`)],
    ['bad escape before the tenant factory', get('/%zz', K)],
    ['PROPFIND with a bad escape', head('PROPFIND /%zz HTTP/1.1', K)],
    // Decoded, these reach another app than as sent (the escape rule).
    ['an escaped separator that reaches /api once decoded', www('/api%2Fx')],
    ['an escaped dot-segment that climbs into /api once decoded', www('/x/..%2Fapi/y')],
  ]],
  // Node's parser: control bytes, NUL, CR, non-ASCII, bad framing, methods and versions
  ['node', 400, [
    ['HTTP/1.1 without Host (requireHostHeader)', get('/')],
    ['Host with a control byte', host('{k}.exa\x01mple.com')],
    ['Host with NUL', host('{k}.exa\x00mple.com')],
    ['Host with DEL', host('{k}.exa\x7fmple.com')],
    ['Host with a bare CR', host('{k}.example.com\rX: y')],
    ['Host folded onto a second line', get('/', K, ' www.example.com')],
    ['space before the colon', get('/', 'Host : {k}.example.com')],
    ['Host line starting with a space', get('/', ` ${K}`)],
    ['absolute-form missing a slash', www('http:/www.example.com/')],
    ['authority-form with GET', www('www.example.com:80')],
    ...([['NUL', '/a\x00b'], ['SOH', '/a\x01b'], ['DEL', '/a\x7fb'], ['TAB', '/a\tb'], ['space', '/a b'],
      ['bare CR', '/a\rb'], ['latin-1 byte', '/caf\xe9'], ['UTF-8 bytes', utf8('/café')], ['ESC', '/a\x1bb'],
    ] as Row[]).map(([name, target]): Row => [`${name} in the target`, www(target)]),
    ['LF-only line endings', `GET / HTTP/1.1\n${WWW}\n\n`],
    ['NUL in a header name', www('/', 'X-A\x00b: y')],
    ['NUL in a header value', www('/', 'X-A: y\x00z')],
    ['bare CR in a header value', www('/', 'X-A: y\rz')],
    ['SOH in a header value', www('/', 'X-A: y\x01z')],
    ['space in a header name', www('/', 'X A: y')],
    ['header line without a colon', www('/', 'X-A')],
    ['empty header name', www('/', ': y')],
    [':authority header (not a token)', www('/', ':authority: {k}.example.com')],
    ['a fourth token in the request line', head('GET / HTTP/1.1 x', WWW)],
    ['lower-case protocol', head('GET / http/1.1', WWW)],
    ...['1.2', '3.0', '1.10', '11.1'].map((v): Row => [`HTTP/${v}`, head(`GET / HTTP/${v}`, WWW)]),
    ['two different Content-Lengths', `${post('Content-Length: 1', 'Content-Length: 2')}ab`],
    ['Content-Length and chunked', `${post('Content-Length: 3', 'Transfer-Encoding: chunked')}0\r\n\r\n`],
    ['negative Content-Length', post('Content-Length: -1')],
    ['non-numeric Content-Length', post('Content-Length: abc')],
    ...['FOO / HTTP/1.1', 'get / HTTP/1.1', 'G ET / HTTP/1.1', 'GET\t/ HTTP/1.1', 'PRI * HTTP/2.0',
      '/ HTTP/1.1'].map((line): Row => [`request line ${JSON.stringify(line)}`, head(line, WWW)]),
  ]],
  // Node's parser: request line plus headers over 16 KB
  ['node', 431, [
    ['Host of 20 KB', host(`${'a.'.repeat(10_000)}example.com`)],
    ['path of 100 KB', www(`/${'a'.repeat(100_000)}`)],
    ['query of 100 KB', www(`/api?${'q'.repeat(100_000)}`)],
    ['one header of 20 KB', www('/', `X-Big: ${'b'.repeat(20_000)}`)],
    ['1,000 headers', www('/', ...Array.from({ length: 1000 }, (_, i) => `X-H${i}: ${'v'.repeat(30)}`))],
  ]],
  // no 'connect' listener: Node destroys the socket without a response
  ['node', null, [['CONNECT', head('CONNECT www.example.com:443 HTTP/1.1', WWW)]]],
]

export const CORPUS: readonly Case[] = groups
  .flatMap(([by, status, rows, todo]) =>
    rows.map(([name, request]): Case => ({ name, request, status, by, ...(todo ? { todo } : {}) })),
  )
  .map((c, i) => ({ ...c, request: c.request.replaceAll('{k}', `c${i}`) }))

/** Odd but well-formed requests that must be served, and by the right app: [name, request, body]. */
// biome-ignore format: one row per line reads as a table
export const CONTROLS: ReadonlyArray<[string, string, string]> = [
  ['absolute-form agreeing with Host', www('http://www.example.com/api/x?q'), 'api /x'],
  ['an empty line before the request line', `\r\n${www('/api/y')}`, 'api /y'],
  ['Host after a tab (OWS)', get('/', 'Host:\twww.example.com'), 'www'],
  ['upper case, a port and a trailing dot', host('GOOD.Example.COM.:8080'), 'tenant good'],
  ['an escaped CRLF stays escaped', www('/api/%0D%0ASet-Cookie:%20x=1'), 'api /%0D%0ASet-Cookie:%20x=1'],
  ['an overlong UTF-8 slash is not a slash', www('/api%C0%AFx'), 'www'],
  ['%2F is kept as sent under the app it names', www('/api/a%2Fx'), 'api /a%2Fx'],
  ['dot-segments cannot climb out of a mount', www('/api/../../../api/z'), 'api /z'],
  ['encoded dot-segments are dot-segments', www('/x/%2e%2E/api/w'), 'api /w'],
  ['no protocol-relative rest', www('/api//evil.test'), 'api /evil.test'],
]

// Which Host headers `switchyard dev` answers (DNS rebinding). The dev error pages show source
// code, so a page on any site whose name is made to resolve to 127.0.0.1 must not be able to
// read them: a browser sends that site's name as Host, and every Host but the local ones is
// refused with 403 before the request reaches the worker, unless `--allowed-hosts` names it.
// Allowed without asking: `localhost`, `*.localhost`, loopback addresses (127.0.0.0/8, ::1)
// and the addresses the server listens on (every interface's when it listens on 0.0.0.0/::).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { BlockList, isIPv4, isIPv6 } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { Duplex } from 'node:stream'
import { BadHost, normalizeDomain, parseHost } from '../parse/host.ts'

/** `all`, or host names (`example.test`), and domains with their subdomains (`.example.test`). */
export type AllowedHosts = readonly string[] | 'all'

/** Why a request was refused: the status and a short plain-text body. */
export interface Refusal {
  status: 400 | 403
  body: string
  /** The refused host (403 only). */
  host?: string
}

/** Returns the refusal for a request, or `undefined` when its Host is allowed. */
export type HostCheck = (req: IncomingMessage) => Refusal | undefined

export interface HostCheckOptions {
  allowedHosts?: AllowedHosts | undefined
  /** The `--host` the server was asked to bind; allowed as a Host too. */
  host: string
  /** The address it listens on (`server.address().address`). */
  address: string
}

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', ''])

/**
 * Normalizes `--allowed-hosts` values: comma-separated lists, case and trailing dots folded,
 * a leading `.` kept (domain and subdomains), `all` anywhere meaning every host. Throws a
 * `TypeError` naming the bad entry.
 */
export function parseAllowedHosts(values: readonly string[] | 'all'): AllowedHosts {
  if (values === 'all') return 'all'
  const hosts: string[] = []
  for (const value of values) {
    for (const part of value.split(',')) {
      const entry = part.trim()
      if (entry === '') continue
      if (entry.toLowerCase() === 'all') return 'all'
      const domain = entry.startsWith('.')
      const name = domain ? entry.slice(1) : entry
      // A bare IPv6 address is accepted as its bracketed literal.
      const literal = !name.startsWith('[') && isIPv6(name) ? `[${name}]` : name
      const normalized = normalizeDomain(literal, 'switchyard dev --allowed-hosts', 'host')
      hosts.push(domain ? `.${normalized}` : normalized)
    }
  }
  return hosts
}

/** Whether `address` (what `server.address()` reports) is a loopback address. */
export function isLoopbackAddress(address: string): boolean {
  if (isIPv4(address)) return LOOPBACK.check(address, 'ipv4')
  return isIPv6(address) && LOOPBACK.check(address, 'ipv6')
}

export function hostCheck(options: HostCheckOptions): HostCheck {
  const allowed = parseAllowedHosts(options.allowedHosts ?? [])
  if (allowed === 'all') return () => undefined
  const names = new Set<string>()
  const domains: string[] = []
  const addresses = new BlockList()
  const allowAddress = (ip: string) => {
    if (isIPv4(ip)) addresses.addAddress(ip, 'ipv4')
    else if (isIPv6(ip)) addresses.addAddress(ip, 'ipv6')
  }
  for (const entry of allowed) {
    if (entry.startsWith('.')) domains.push(entry)
    else if (entry.startsWith('[')) allowAddress(entry.slice(1, -1))
    else if (isIPv4(entry)) allowAddress(entry)
    else names.add(entry)
  }
  // The name or address given to --host is one the user means to browse to.
  const bound = parseHost(isIPv6(options.host) ? `[${options.host}]` : options.host)
  if (typeof bound === 'string' && !WILDCARD.has(bound)) {
    if (bound.startsWith('[')) allowAddress(bound.slice(1, -1))
    else if (isIPv4(bound)) allowAddress(bound)
    else names.add(bound)
  }
  allowAddress(options.address)
  const wildcard = WILDCARD.has(options.address) || WILDCARD.has(options.host)
  // Listening on every interface: each interface's own addresses, looked up again when an
  // address is not found (interfaces come and go, e.g. a VPN or DHCP).
  let interfaces = wildcard ? interfaceAddresses() : undefined

  const ipAllowed = (ip: string, family: 'ipv4' | 'ipv6'): boolean => {
    if (LOOPBACK.check(ip, family) || addresses.check(ip, family)) return true
    if (interfaces === undefined) return false
    if (interfaces.check(ip, family)) return true
    interfaces = interfaceAddresses()
    return interfaces.check(ip, family)
  }

  const allows = (host: string): boolean => {
    if (host.charCodeAt(0) === 91 /* [ */) return ipAllowed(host.slice(1, -1), 'ipv6')
    if (isIPv4(host)) return ipAllowed(host, 'ipv4')
    if (host === 'localhost' || host.endsWith('.localhost') || names.has(host)) return true
    for (const domain of domains) {
      if (host.endsWith(domain) || host === domain.slice(1)) return true
    }
    return false
  }

  // The few hosts a developer uses, remembered once allowed (addresses and lists never
  // shrink while the server runs; bounded so random hosts cannot grow it).
  const known = new Set<string>()
  return (req) => {
    const raw = req.rawHeaders
    let value: string | undefined
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string
      if (name.length !== 4 || name.toLowerCase() !== 'host') continue
      if (value !== undefined) return { status: 400, body: 'Bad Request: repeated Host header\n' }
      value = raw[i + 1] as string
    }
    if (value !== undefined && known.has(value)) return undefined
    const host = parseHost(value)
    if (host instanceof BadHost) return { status: 400, body: `Bad Request: ${host.message}\n` }
    if (!allows(host)) return { status: 403, body: refusal(host), host }
    if (known.size < 64) known.add(value as string)
    return undefined
  }
}

function interfaceAddresses(): BlockList {
  const list = new BlockList()
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      const ip = entry.address.replace(/%.*$/, '')
      if (isIPv4(ip)) list.addAddress(ip, 'ipv4')
      else if (isIPv6(ip)) list.addAddress(ip, 'ipv6')
    }
  }
  return list
}

// The host is what parseHost returned: letters, digits, `-`, `.`, `_` or an IPv6 literal,
// safe to echo in a plain-text body.
function refusal(host: string): string {
  return `Blocked request: the host "${host}" is not allowed.

switchyard dev answers only localhost, *.localhost, loopback addresses and the addresses
it listens on, because its error pages show source code: any web page whose name resolves
to this machine could read them (DNS rebinding).

To allow this host, restart with:

  switchyard dev --allowed-hosts ${host}
`
}

/** Writes a refusal on an upgrade request's socket and closes it. */
export function refuseUpgrade(socket: Duplex, r: Refusal): void {
  const reason = r.status === 403 ? 'Forbidden' : 'Bad Request'
  socket.on('error', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${r.status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(r.body)}\r\nconnection: close\r\n\r\n${r.body}`,
    () => socket.destroy(),
  )
}

/** Answers a refusal on a plain request. */
export function refuseRequest(res: ServerResponse, r: Refusal): void {
  res.writeHead(r.status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(r.body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  })
  res.end(r.body)
}

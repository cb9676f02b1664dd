// The dispatch context of a Node request (HTTP/1.1 or HTTP/2 compatibility API).
import type { IncomingMessage } from 'node:http'
import { DispatchContext } from '../core/context.ts'
import { HttpError } from '../core/errors.ts'
import { BadHost, parseHost } from '../parse/host.ts'
import { nodeHost } from '../parse/node-host.ts'
import { absolutePathStart } from '../parse/path.ts'

export class NodeContext extends DispatchContext {
  readonly req: IncomingMessage

  constructor(req: IncomingMessage, trustProxy: boolean) {
    // Inside an outer Express app, originalUrl is already set and wins.
    const url = req.url ?? '/'
    super(url, trustProxy, (req as { originalUrl?: string }).originalUrl ?? url)
    this.req = req
    if (url.charCodeAt(0) !== 47) checkAuthority(url, this.rawHost())
  }

  get method(): string {
    return this.req.method ?? 'GET'
  }

  protected rawHost(): string | undefined {
    const host = nodeHost(this.req.headers, this.req.rawHeaders)
    if (host instanceof BadHost) throw new HttpError(400, host.message)
    return host
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()]
    return Array.isArray(value) ? value.join(', ') : value
  }
}

/**
 * An absolute-form target (`GET http://a.example.com/ HTTP/1.1`) names its own authority.
 * Dispatching on one host while the app reads another could cross tenants, so the two must
 * agree; userinfo is refused outright.
 */
function checkAuthority(target: string, host: string | undefined): void {
  // Only called for targets parseTarget accepted, so the scheme is http(s).
  const authority = target.slice(target.indexOf('//') + 2, absolutePathStart(target))
  if (authority.includes('@')) throw new HttpError(400, 'Userinfo in the request target')
  const named = parseHost(authority)
  if (named instanceof BadHost) throw new HttpError(400, `Request target: ${named.message}`)
  const sent = parseHost(host)
  if (sent instanceof BadHost || sent !== named) {
    throw new HttpError(400, 'The request target names another host than the Host header')
  }
}

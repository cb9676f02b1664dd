// The dispatch context of a Node request (HTTP/1.1 or HTTP/2 compatibility API).
import type { IncomingMessage } from 'node:http'
import { DispatchContext } from '../core/context.ts'
import { HttpError } from '../core/errors.ts'
import { BadHost } from '../parse/host.ts'
import { checkTargetAuthority, nodeHost } from '../parse/node-host.ts'

export class NodeContext extends DispatchContext {
  readonly req: IncomingMessage

  constructor(req: IncomingMessage, trustProxy: boolean) {
    // Inside an outer Express app, originalUrl is already set and wins.
    const url = req.url ?? '/'
    super(url, trustProxy, (req as { originalUrl?: string }).originalUrl ?? url)
    this.req = req
    if (url.charCodeAt(0) !== 47) {
      const refused = checkTargetAuthority(url, this.rawHost())
      if (refused !== undefined) throw new HttpError(400, refused.message)
    }
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

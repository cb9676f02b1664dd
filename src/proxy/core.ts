// One upstream: where it is and the pool of connections that reach it. Each upstream app
// has a pool of its own, so no connection ever carries two apps' (two tenants') requests.
import { type Dispatcher, Pool } from 'undici'
import { isReplayable } from './failure.ts'
import type { Forwarding } from './headers.ts'

export interface UpstreamTarget {
  /** undici's origin: the URL's, or http://localhost for a Unix socket. */
  readonly origin: string
  /** A Unix socket to connect to instead of the origin's host and port. */
  readonly socketPath: string | undefined
  /** The target URL's path, prefixed to every forwarded path ('' for none). */
  readonly basePath: string
  /** For logs, dashboards and routes: the URL, or `unix:<path>`. */
  readonly label: string
}

export interface UpstreamSettings {
  readonly preserveHost: boolean
  /** ms until the upstream's response headers (504 after); 0 = no bound. */
  readonly timeout: number
  /** Most connections kept open to the upstream at once. */
  readonly connections: number
}

export class Upstream implements Forwarding {
  readonly pool: Pool
  readonly target: UpstreamTarget
  readonly upstreamHost: string
  /** The origin, parsed once: where upgrades connect. */
  readonly origin: URL
  readonly preserveHost: boolean
  readonly timeout: number
  readonly connections: number
  /** Requests forwarded since it was made, and upgrades piped. */
  requests = 0
  upgrades = 0

  constructor(target: UpstreamTarget, settings: UpstreamSettings) {
    this.target = target
    this.preserveHost = settings.preserveHost
    this.timeout = settings.timeout
    this.connections = settings.connections
    this.origin = new URL(target.origin)
    this.upstreamHost = this.origin.host
    this.pool = new Pool(target.origin, {
      connections: settings.connections,
      headersTimeout: settings.timeout,
      // Streams (SSE, long downloads) may idle for as long as they like.
      bodyTimeout: 0,
      ...(target.socketPath === undefined ? {} : { socketPath: target.socketPath }),
    })
  }

  /**
   * Forwards one request through the pool. A request that can be sent again (idempotent, no
   * body) gets a `retry` for its handler: once, for a kept-alive connection the upstream had
   * just closed. The options are made inside the promise, so a throw there rejects it.
   */
  forward<T>(
    options: () => Dispatcher.DispatchOptions,
    handler: (
      resolve: (value: T) => void,
      reject: (error: unknown) => void,
      retry: (() => void) | undefined,
    ) => Dispatcher.DispatchHandler,
  ): Promise<T> {
    this.requests++
    return new Promise<T>((resolve, reject) => {
      const made = options()
      const send = (retry: (() => void) | undefined) =>
        this.pool.dispatch(made, handler(resolve, reject, retry))
      send(isReplayable(made) ? () => send(undefined) : undefined)
    })
  }

  /** The path the upstream gets for the rest of the request. */
  path(rest: string): string {
    return this.target.basePath === '' ? rest : this.target.basePath + rest
  }

  /** Connections open, in use and queued requests: for dashboards and metrics. */
  stats(): { connected: number; running: number; pending: number } {
    const s = this.pool.stats
    return { connected: s.connected, running: s.running, pending: s.pending }
  }

  close(): Promise<void> {
    return this.pool.close()
  }
}

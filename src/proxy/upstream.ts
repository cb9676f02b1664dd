// upstream(): an app in another process or language, reached over HTTP/1.1 (DESIGN §4b).
// It nests as a proxy leaf (no resolve step of its own) and closes its pool with its
// dispatcher, or when its lazy instance is disposed.
import type { ProxyLeaf } from '../core/leaf-kinds.ts'
import type { MetricsNode, UpstreamMetrics } from '../core/types.ts'
import { BaseDispatcher } from '../dispatch/dispatcher.ts'
import { parseDuration } from '../parse/duration.ts'
import { Upstream, type UpstreamTarget } from './core.ts'
import { forwardFetch } from './forward-fetch.ts'
import { forwardNode } from './forward-node.ts'
import { forwardUpgrade } from './forward-upgrade.ts'

export interface UpstreamOptions {
  /** Send the client's Host instead of the upstream's own (default false). */
  preserveHost?: boolean
  /** How long to wait for the upstream's response headers: ms or '30s'; then 504. Default '60s', 0 = no bound. */
  timeout?: number | string
  /** Most connections kept open to the upstream at once (default 128); more requests queue. */
  connections?: number
}

/** An upstream server as the target: its URL, or `{ socketPath }` for a Unix socket. */
export type UpstreamTargetInput = string | URL | { socketPath: string }

/** @internal An upstream app: nests as its proxy leaf. */
export class UpstreamApp extends BaseDispatcher {
  /** @internal */
  readonly _leaf: ProxyLeaf
  readonly #upstream: Upstream

  constructor(upstream: Upstream) {
    super()
    this.#upstream = upstream
    // Dispose hooks and events see this app, as they see any other app the user gave.
    this._leaf = proxyLeaf(upstream, this)
  }

  _resolve(): ProxyLeaf {
    return this._leaf
  }

  _children(): [] {
    return []
  }

  _tree(metrics: boolean): MetricsNode {
    const node = this._node('proxy', this._leaf.label, undefined, metrics)
    if (metrics) node.upstream = this._leaf.metrics()
    return node
  }

  override close(): Promise<void> {
    return this.#upstream.close()
  }
}

/** The leaf that forwards to `up`, for each entry in its own form. */
export function proxyLeaf(up: Upstream, source: unknown): ProxyLeaf {
  return {
    kind: 'proxy',
    label: `upstream ${up.target.label}`,
    source,
    forwardNode: (req, res, ctx) => forwardNode(up, req, res, ctx),
    forwardFetch: (request, ctx, rest) => forwardFetch(up, request, ctx, rest),
    upgrade: (req, socket, head) => forwardUpgrade(up, req, socket, head),
    close: () => up.close(),
    metrics: (): UpstreamMetrics => ({
      target: up.target.label,
      ...up.stats(),
      requests: up.requests,
      upgrades: up.upgrades,
    }),
  }
}

/**
 * Forwards requests and upgrades to an HTTP/1.1 server at `target`: its URL (a path in it
 * prefixes every forwarded path) or `{ socketPath }`.
 */
export function upstream(target: UpstreamTargetInput, options: UpstreamOptions = {}): UpstreamApp {
  return new UpstreamApp(new Upstream(parseTarget(target), upstreamSettings(options)))
}

/** @internal Validated options, shared with spawn(). */
export function upstreamSettings(options: UpstreamOptions, context = 'upstream()') {
  return {
    preserveHost: options.preserveHost === true,
    timeout: parseDuration(options.timeout ?? '60s', 'timeout', context),
    connections: parseConnections(options.connections, context),
  }
}

/** @internal */
export function parseTarget(target: UpstreamTargetInput): UpstreamTarget {
  if (typeof target === 'object' && target !== null && !(target instanceof URL)) {
    const socketPath = (target as { socketPath?: unknown }).socketPath
    if (typeof socketPath !== 'string' || socketPath === '') {
      throw new TypeError("upstream(): expected a URL or { socketPath: '/path/to.sock' }")
    }
    return { origin: 'http://localhost', socketPath, basePath: '', label: `unix:${socketPath}` }
  }
  let url: URL
  try {
    url = new URL(String(target))
  } catch {
    throw new TypeError(
      `upstream(): "${String(target)}" is not a URL; give one like 'http://127.0.0.1:8000'`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`upstream(): the URL must be http: or https:, got ${url.protocol}`)
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError('upstream(): the URL may have a path, but no query, fragment or user')
  }
  const basePath = url.pathname.replace(/\/+$/, '')
  return { origin: url.origin, socketPath: undefined, basePath, label: url.origin + basePath }
}

function parseConnections(value: unknown, context: string): number {
  if (value === undefined) return 128
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value
  throw new TypeError(`${context}: connections must be a positive integer, got ${String(value)}`)
}

// The leaf kinds: what an app is once classified (DESIGN §1). Plain data, a discriminated
// union on `kind`: each entry has one invoker per kind, so a new kind of app touches one
// file per entry. Types only, importing nothing but types.ts, so the context can name the
// leaf it resolved to without an import cycle.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type {
  ConnectMiddleware,
  FetchHandler,
  NodeHandler,
  NodeServer,
  UpgradeHandler,
  UpstreamMetrics,
} from './types.ts'

interface LeafBase {
  /** The app as the user gave it, for dispose hooks, events and labels. */
  readonly source: unknown
  /** A declared upgrade handler; servers get upgrades by `emit` without one. */
  readonly upgrade: UpgradeHandler | undefined
  /**
   * Releases what the leaf holds (an upstream's connection pool): called when the
   * dispatcher holding it closes, or its lazy instance is disposed.
   */
  readonly close?: () => Promise<void>
}
export interface NodeLeaf extends LeafBase {
  readonly kind: 'node'
  readonly handler: NodeHandler
}
export interface ConnectLeaf extends LeafBase {
  readonly kind: 'connect'
  readonly handler: ConnectMiddleware
}
export interface ServerLeaf extends LeafBase {
  readonly kind: 'server'
  readonly server: NodeServer
}
export interface FetchLeaf extends LeafBase {
  readonly kind: 'fetch'
  readonly handler: FetchHandler
}
/** A built-in answer (notFound()): every entry writes it natively. */
export interface StatusLeaf extends LeafBase {
  readonly kind: 'status'
  readonly status: number
  readonly text: string
}

/** What a proxy reads of the dispatch (a DispatchContext is one). */
export interface ProxiedRequest {
  readonly path: string
  readonly query: string
  readonly basePath: string
  readonly originalUrl: string
  /** The normalized host the request was routed on. */
  readonly host: string
  readonly trustProxy: boolean
  /** The X-Forwarded-Host value the host was read from (trusted proxies only). */
  readonly forwardedHost: string | undefined
  header(name: string): string | undefined
  forwardedPrefix(base: string): string
}

/**
 * An app in another process (upstream(), spawn()): it forwards each entry's request in
 * that entry's own form, so neither entry converts it. Built by the Node half only.
 */
export interface ProxyLeaf extends LeafBase {
  readonly kind: 'proxy'
  /** `upstream http://…` for routes and logs. */
  readonly label: string
  /** The pool's state, for dashboards and metrics. */
  metrics(): UpstreamMetrics
  /** The Node entry: the original req/res (req.url already the rest). */
  forwardNode(req: IncomingMessage, res: ServerResponse, ctx: ProxiedRequest): void
  /** The Fetch entry: the Request as sent; rejects with an HttpError (502/504). */
  forwardFetch(request: Request, ctx: ProxiedRequest, rest: unknown[]): Promise<Response>
}

export type Leaf = NodeLeaf | ConnectLeaf | ServerLeaf | FetchLeaf | StatusLeaf | ProxyLeaf
export type LeafKind = Leaf['kind']

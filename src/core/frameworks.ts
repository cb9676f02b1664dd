// Framework instances mounted as they are (DESIGN §1): a Koa app is served through its
// callback(), made on the first request so middleware added after mounting counts; a
// Fastify instance must boot (ready()) before its server takes requests, so it is served
// by a dispatcher that starts it (dispatch/dispatcher.ts). Recognised by shape: the root
// entry imports no framework.
import type { Leaf, ServerLeaf } from './leaf-kinds.ts'
import type { NodeHandler, NodeServer } from './types.ts'

/**
 * The hook a host (the dev server) sets on a framework instance to take its route errors:
 * an own property keyed by a registered symbol, so any installed copy of switchyard finds it.
 */
export const HOST_ERROR = Symbol.for('switchyard.hostError')

export type HostErrorHandler = (error: unknown, req: unknown, res: unknown) => void

interface KoaLike {
  callback(): NodeHandler
  use(middleware: unknown): unknown
  context: object
  middleware: unknown[]
}

export interface FastifyLike {
  server: NodeServer
  ready(): Promise<unknown>
  setErrorHandler(handler: (error: unknown, request: unknown, reply: unknown) => unknown): unknown
  addHook(name: string, hook: unknown): unknown
  close(): Promise<unknown>
  errorHandler?: unknown
  [HOST_ERROR]?: HostErrorHandler
}

export function isKoa(app: object): app is KoaLike {
  const k = app as Partial<KoaLike>
  return (
    typeof k.callback === 'function' &&
    typeof k.use === 'function' &&
    typeof k.context === 'object' &&
    Array.isArray(k.middleware)
  )
}

export function isFastify(app: object): app is FastifyLike {
  const f = app as Partial<FastifyLike>
  return (
    typeof f.ready === 'function' &&
    typeof f.setErrorHandler === 'function' &&
    typeof f.addHook === 'function' &&
    typeof f.server === 'object' &&
    f.server !== null
  )
}

/** A Koa app's leaf: its callback, made once, on the first request. */
export function koaLeaf(app: KoaLike): Leaf {
  let callback: NodeHandler | undefined
  const handler = (req: unknown, res: unknown) => {
    if (callback === undefined) callback = app.callback()
    return callback(req, res)
  }
  return { kind: 'node', handler, source: app, upgrade: undefined }
}

/**
 * Boots a Fastify instance and gives the leaf of its server. Under `switchyard dev`
 * (SWITCHYARD_DEV=1), an instance still on Fastify's default error handler first gets one
 * that hands route errors to the host's hook when one is set, and else answers as the
 * default does: setErrorHandler is only possible before ready().
 */
export async function startFastify(app: FastifyLike): Promise<ServerLeaf> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env
  const fallback = app.errorHandler
  if (
    env?.SWITCHYARD_DEV === '1' &&
    typeof fallback === 'function' &&
    fallback.name === 'defaultErrorHandler'
  ) {
    app.setErrorHandler(function (this: unknown, error, request, reply) {
      const host = app[HOST_ERROR]
      const raw = reply as { raw: unknown; hijack(): void }
      if (host === undefined) return fallback.call(this, error, request, reply)
      raw.hijack()
      host(error, (request as { raw: unknown }).raw, raw.raw)
    })
  }
  await app.ready()
  return { kind: 'server', server: app.server, source: app, upgrade: undefined }
}

// The base every dispatcher extends: dispatchers resolve, entries invoke.
import { Leaf, type Target } from '../core/app.ts'
import type { DispatchContext } from '../core/context.ts'
import { dispatchFetch } from '../fetch/entry.ts'

/** A node of the dispatch tree, as `switchyard routes` prints it. */
export interface RouteNode {
  kind: string
  label: string
  children?: Array<{ match: string; node: RouteNode }>
}

export abstract class Dispatcher {
  /**
   * Resolves the request to one leaf, updating `ctx` (base path, rest, params, key).
   * Synchronous whenever no instance has to be created.
   * @internal
   */
  abstract _resolve(ctx: DispatchContext): Leaf | Promise<Leaf>

  /** The dispatch tree below this dispatcher. */
  abstract routes(): RouteNode

  /** @internal The targets this dispatcher holds, for close(). */
  abstract _children(): Iterable<Target>

  /**
   * Disposes every lazily created instance below this dispatcher (after its in-flight
   * requests finish). Servers call it when they shut down.
   */
  async close(): Promise<void> {
    const closing: Promise<void>[] = []
    for (const child of this._children()) {
      if (child instanceof Dispatcher) closing.push(child.close())
    }
    await Promise.all(closing)
  }

  /** Every dispatcher is a Fetch app; bound, so `{ fetch: app.fetch }` works. */
  fetch = (request: Request, ...rest: unknown[]): Promise<Response> =>
    dispatchFetch(this, request, rest)
}

/** Resolves a target: leaves are final, dispatchers go one level further. */
export function resolveTarget(target: Target, ctx: DispatchContext): Leaf | Promise<Leaf> {
  return target instanceof Leaf ? target : target._resolve(ctx)
}

export function describeTarget(target: Target): RouteNode {
  return target instanceof Leaf ? { kind: target._kind, label: target._label } : target.routes()
}

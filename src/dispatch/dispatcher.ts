// The base every dispatcher extends: it resolves, and is a Fetch app through the Fetch entry.
import type { DispatchContext } from '../core/context.ts'
import {
  DISPATCHER,
  type DispatcherNode,
  isDispatcher,
  type Leaf,
  type Target,
} from '../core/leaf.ts'
import type { RouteNode } from '../core/types.ts'
import { dispatchFetch } from '../entry/fetch.ts'

export abstract class BaseDispatcher implements DispatcherNode {
  /** @internal */
  readonly [DISPATCHER] = 1

  /** @internal */
  abstract _resolve(ctx: DispatchContext): Leaf | Promise<Leaf>

  /** The dispatch tree below this dispatcher. */
  abstract routes(): RouteNode

  /** @internal */
  abstract _children(): Iterable<Target>

  /**
   * Disposes every lazily created instance below this dispatcher (after its in-flight
   * requests finish). Servers call it when they shut down.
   */
  async close(): Promise<void> {
    const closing: Promise<void>[] = []
    for (const child of this._children()) if (isDispatcher(child)) closing.push(child.close())
    await Promise.all(closing)
  }

  /** Every dispatcher is a Fetch app; bound, so `{ fetch: app.fetch }` works. */
  readonly fetch = (request: Request, ...rest: unknown[]): Promise<Response> =>
    dispatchFetch(this, request, rest)
}

// toUpgradeListener(): upgrade (WebSocket) requests, resolved by the same rules as HTTP.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { entryConfig } from '../core/config.ts'
import { resolve, statsOf, toTarget } from '../core/leaf.ts'
import type { App } from '../core/types.ts'
import { bytesWritten, failUpgrade, invokeUpgrade, type Upgrade } from '../invoke/upgrade.ts'
import { afterEarlierAnswers } from '../invoke/upgrade-order.ts'
import type { NodeListenerOptions } from './node.ts'
import { NodeContext } from './node-context.ts'

export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

/** A listener for `server.on('upgrade', …)` that dispatches to `app`. */
export function toUpgradeListener(app: App, options: NodeListenerOptions = {}): UpgradeListener {
  const target = toTarget(app, 'toUpgradeListener()')
  const config = entryConfig(options)
  const root = statsOf(target)
  const dispatch = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const u: Upgrade = { req, socket, head, before: bytesWritten(socket) }
    let ctx: NodeContext | undefined
    try {
      ctx = new NodeContext(req, config.trustProxy)
      void ctx.host
      const leaf = resolve(target, ctx)
      if (leaf instanceof Promise) {
        const resolved = ctx
        leaf.then(
          (l) => invokeUpgrade(l, resolved, u, config),
          (error) => failUpgrade(error, resolved, u, config, root),
        )
      } else invokeUpgrade(leaf, ctx, u, config)
    } catch (error) {
      failUpgrade(error, ctx, u, config, root)
    }
  }
  return (req, socket, head) => {
    // Node hands over upgrade sockets with no 'error' listener: a reset must not crash us.
    socket.on('error', ignore)
    afterEarlierAnswers(socket, head, (early) => dispatch(req, socket, early))
  }
}

function ignore(): void {}

// The two ways into a dispatcher, each as a real HTTP server on 127.0.0.1, port 0.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { type Dispatcher, type ErrorReporter, toFetchHandler } from '../../src/index.ts'
import { toNodeListener } from '../../src/node.ts'

export interface Running {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string
  close(): Promise<void>
}

export interface EntryOptions {
  /** Passed to the entry; without it the library's default reporter (console.error) is used. */
  onError?: ErrorReporter
}

export type Entry = (app: Dispatcher, options?: EntryOptions) => Promise<Running>

/**
 * @hono/node-server's global Request/Response override, on by default as in switchyard;
 * `SWITCHYARD_OVERRIDE_GLOBALS=0` runs a suite with it off (test/override-off.test.ts).
 */
export const OVERRIDE_GLOBALS = process.env.SWITCHYARD_OVERRIDE_GLOBALS !== '0'

/** `http.createServer(toNodeListener(app))`. */
export const nodeListenerEntry: Entry = (app, options = {}) =>
  listen(
    createServer(
      toNodeListener(app, { onError: options.onError, overrideGlobalObjects: OVERRIDE_GLOBALS }),
    ),
  )

/**
 * The Fetch entry under @hono/node-server: every request goes through `app.fetch(Request)`
 * (or `toFetchHandler(app, { onError })` when `onError` is given), so Node leaves are
 * reached through the library's Fetch-to-Node injection.
 */
export const fetchEntry: Entry = (app, options = {}) => {
  const fetch =
    options.onError === undefined ? app.fetch : toFetchHandler(app, { onError: options.onError })
  return listen(createAdaptorServer({ fetch, overrideGlobalObjects: OVERRIDE_GLOBALS }) as Server)
}

export const entries: ReadonlyArray<{ name: string; start: Entry }> = [
  { name: 'node listener', start: nodeListenerEntry },
  { name: 'fetch entry', start: fetchEntry },
]

function listen(server: Server): Promise<Running> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()))
            server.closeAllConnections()
          }),
      })
    })
  })
}

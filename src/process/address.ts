// Where a child listens: a free loopback port picked per start, a fixed port, or a Unix
// socket in a private directory; and how "{port}" and PORT tell the child which.
import { mkdtemp, rm } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type ChildAddress = { host: '127.0.0.1'; port: number } | { socketPath: string }

/**
 * A loopback port free right now: bound, read and released. Another process may take it
 * before the child binds it; the child then fails to start and is restarted on a new port.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** A new private directory (mode 0700) to hold one child's socket. */
export function socketDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'switchyard-'))
}

export function socketPath(directory: string): string {
  return join(directory, 'http.sock')
}

/** Removes a stale socket (a crashed child leaves it, and binding it again fails). */
export function removeSocket(path: string): Promise<void> {
  return rm(path, { force: true })
}

export function removeDirectory(directory: string): Promise<void> {
  return rm(directory, { recursive: true, force: true })
}

/** What "{port}" and PORT stand for: the port number or the socket path. */
export function portText(address: ChildAddress): string {
  return 'socketPath' in address ? address.socketPath : String(address.port)
}

/** For logs and dashboards: "127.0.0.1:8000" or "unix:/tmp/switchyard-x/http.sock". */
export function formatAddress(address: ChildAddress): string {
  return 'socketPath' in address ? `unix:${address.socketPath}` : `${address.host}:${address.port}`
}

export function substitute(command: readonly string[], port: string): string[] {
  return command.map((arg) => arg.replaceAll('{port}', port))
}

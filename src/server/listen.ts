// Listening, with the errors a person meets first said plainly (a port in use, a port that
// needs privileges, an unknown host name).
import type { Server } from 'node:http'

/** The flags that set the address, for the advice in errors. */
export interface AddressFlags {
  port: string
  host: string
}

const SERVE_FLAGS: AddressFlags = { port: '--port', host: '--host' }

export function listen(
  server: Server,
  port: number,
  host: string,
  flags: AddressFlags = SERVE_FLAGS,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(explain(error, port, host, flags))
    server.once('error', failed)
    server.listen({ port, host }, () => {
      server.off('error', failed)
      resolve()
    })
  })
}

function explain(
  error: NodeJS.ErrnoException,
  port: number,
  host: string,
  flags: AddressFlags,
): Error {
  const where = `${host}:${port}`
  const why: Record<string, string> = {
    EADDRINUSE: `${where} is already in use: stop what listens there, or pick another port with ${flags.port} (0 picks a free one)`,
    EACCES: `${where} needs privileges to bind: use a port above 1023, or pick one with ${flags.port}`,
    EADDRNOTAVAIL: `${host} is not an address of this machine: pick another with ${flags.host}`,
    ENOTFOUND: `${host} does not resolve to an address: pick another with ${flags.host}`,
  }
  const message = error.code === undefined ? undefined : why[error.code]
  return message === undefined
    ? error
    : Object.assign(new Error(message, { cause: error }), { code: error.code })
}

// Listening, with the errors a person meets first said plainly (a port in use, a port that
// needs privileges, an unknown host name).
import type { Server } from 'node:http'

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(explain(error, port, host))
    server.once('error', failed)
    server.listen({ port, host }, () => {
      server.off('error', failed)
      resolve()
    })
  })
}

function explain(error: NodeJS.ErrnoException, port: number, host: string): Error {
  const where = `${host}:${port}`
  const why: Record<string, string> = {
    EADDRINUSE: `${where} is already in use: stop what listens there, or pick another port with --port (0 picks a free one)`,
    EACCES: `${where} needs privileges to bind: use a port above 1023, or pick one with --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine: pick another with --host`,
    ENOTFOUND: `${host} does not resolve to an address: pick another with --host`,
  }
  const message = error.code === undefined ? undefined : why[error.code]
  return message === undefined
    ? error
    : Object.assign(new Error(message, { cause: error }), { code: error.code })
}

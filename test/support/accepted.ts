// Preloaded into a server process (`node --import`): records the peer port of every
// connection the process accepts, and when (process.hrtime: the monotonic clock, which all
// processes on the machine share), and prints them at exit. A client connection reset that
// is not listed never left the kernel's accept queue: the server never saw it.
import { subscribe } from 'node:diagnostics_channel'
import { writeSync } from 'node:fs'
import type { Socket } from 'node:net'

const accepted: string[] = []
/** Accepted connections whose peer port could not be read: a test must not guess those. */
let unknown = 0
subscribe('net.server.socket', (message) => {
  const port = (message as { socket: Socket }).socket.remotePort
  if (port === undefined) unknown++
  else accepted.push(` ${port}@${Number(process.hrtime.bigint()) / 1e6}`)
})
// Synchronous: the process may be leaving through process.exit().
process.on('exit', () => {
  writeSync(2, `accepted peer ports: ${unknown} unknown;${accepted.join('')}\n`)
})

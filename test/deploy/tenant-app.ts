// The tenant app of the affinity and deploy tests and of bench/affinity.ts: one instance per
// subdomain of example.test, created on first use and printed (`created <key> in <pid>`), so
// a test counts creations per process. Each answers `<pid> <key> <host>` (/slow?ms=N after N
// ms), with the `switchyard serve` process it runs under (the primary's pid when it is a
// worker) in `x-serve-pid`; a WebSocket to it echoes each message prefixed with `<pid> <key>`.
import cluster from 'node:cluster'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { WebSocketServer } from 'ws'
import { subdomains, withUpgrade } from '../../src/index.ts'

const wss = new WebSocketServer({ noServer: true })
const servePid = String(cluster.isWorker ? process.ppid : process.pid)

function tenant(key: string) {
  const http = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('content-type', 'text/plain')
    res.setHeader('x-serve-pid', servePid)
    const text = `${process.pid} ${key} ${req.headers['x-forwarded-host'] ?? req.headers.host}`
    const slow = /^\/slow\?ms=(\d+)$/.exec(req.url ?? '')
    if (slow === null) res.end(text)
    else setTimeout(() => res.end(text), Number(slow[1]))
  }
  return withUpgrade(http, (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => ws.send(`${process.pid} ${key} ${data}`))
    })
  })
}

export const application = subdomains(
  'example.test',
  (key) => {
    if (key === '') return null
    console.log(`created ${key} in ${process.pid}`)
    return tenant(key)
  },
  { max: 100_000 },
)

// A quick side-by-side server for one configuration, printed port on stdout.
//   node --import tsx bench/quick-server.ts <mode> [port]
// modes: bare | mount-node | hono-direct | mount-fetch | subdomains-node
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { mount, subdomains } from '../src/index.ts'
import { toNodeListener } from '../src/node/index.ts'

const hello = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' })
  res.end('hello')
}
const helloFetch = (_request: Request) => new Response('hello')
const others = { '/api': hello, '/admin': hello }

const mode = process.argv[2] ?? 'bare'
const servers: Record<string, () => ReturnType<typeof createServer>> = {
  bare: () => createServer(hello),
  'mount-node': () => createServer(toNodeListener(mount(null, { ...others, '/backend': hello }))),
  'hono-direct': () =>
    createAdaptorServer({ fetch: helloFetch }) as ReturnType<typeof createServer>,
  'hono-no-override': () =>
    createAdaptorServer({ fetch: helloFetch, overrideGlobalObjects: false }) as ReturnType<
      typeof createServer
    >,
  'mount-fetch': () =>
    createServer(toNodeListener(mount(null, { ...others, '/backend': helloFetch }))),
  'subdomains-node': () => createServer(toNodeListener(subdomains('example.com', () => hello))),
}
const make = servers[mode]
if (make === undefined) throw new Error(`unknown mode ${mode}`)
const server = make().listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  const address = server.address()
  console.log(typeof address === 'object' && address ? address.port : address)
})
process.on('SIGINT', () => process.exit(0))

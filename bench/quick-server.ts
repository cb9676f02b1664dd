// A quick side-by-side server: `bare` (node:http) or `mount` (same handler behind mount()).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { mount } from '../src/index.ts'
import { toNodeListener } from '../src/node/index.ts'

const hello = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' })
  res.end('hello')
}
const mode = process.argv[2] ?? 'bare'
const listener =
  mode === 'bare'
    ? hello
    : toNodeListener(mount(null, { '/api': hello, '/admin': hello, '/backend': hello }))
const server = createServer(listener).listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  const address = server.address()
  console.log(typeof address === 'object' && address ? address.port : address)
})

// The processes of the upstream rows (bench/upstream.ts), each listening on 127.0.0.1 and
// printing its port:
//   node --import tsx bench/upstream-servers.ts origin
//     the upstream server every row forwards to: node:http answering "hello", and a ws
//     echo server on the same port for upgrades;
//   node --import tsx bench/upstream-servers.ts <proxy>[+<proxy>] <origin port>
//     a proxy to it at /backend: one, or two behind one listener served in alternating
//     segments (the IPC protocol of bench/servers.ts: 'cpu', use, alternate, profile).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import express from 'express'
import Fastify from 'fastify'
import { createProxyMiddleware } from 'http-proxy-middleware'
import { WebSocketServer } from 'ws'
import { mount } from '../src/index.ts'
import { toNodeListener, toUpgradeListener, upstream } from '../src/node.ts'
import type { Segment } from './paired.ts'

type Listener = (req: IncomingMessage, res: ServerResponse) => void
type Upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

function origin(): Server {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' })
    res.end('hello')
  })
  const echo = new WebSocketServer({ noServer: true })
  server.on('upgrade', (req, socket, head) => {
    echo.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, binary) => ws.send(data, { binary }))
    })
  })
  return server
}

// Each proxy as its users would write it, defaults kept, the prefix stripped on the way.
const builders: Record<string, (target: string) => Server | Promise<Server>> = {
  'mount-upstream': (target) => {
    const app = mount(null, { '/backend': upstream(target) })
    const server = createServer(toNodeListener(app))
    return server.on('upgrade', toUpgradeListener(app))
  },
  'fastify-proxy': async (target) => {
    const { default: proxy } = await import('@fastify/http-proxy')
    const app = Fastify()
    await app.register(proxy, { upstream: target, prefix: '/backend' })
    await app.ready()
    return app.server
  },
  'express-hpm': (target) =>
    createServer(express().use('/backend', createProxyMiddleware({ target }))),
}
builders['mount-upstream-aa'] = builders['mount-upstream'] as (typeof builders)[string]

const [what = '', port = ''] = process.argv.slice(2)
const names = what.split('+')
let server: Server
let sides: Listener[] = []
let side: Listener | undefined
let served = 0
if (what === 'origin') server = origin()
else {
  if (names.length > 2 || names.some((n) => builders[n] === undefined) || !/^\d+$/.test(port)) {
    console.error(
      `usage: upstream-servers.ts origin | <proxy>[+<proxy>] <origin port>; proxies: ${Object.keys(builders).join(', ')}`,
    )
    process.exit(2)
  }
  const target = `http://127.0.0.1:${port}`
  const built: Server[] = []
  for (const name of names) built.push(await (builders[name] as (t: string) => Server)(target))
  // Each side called as its own server would call it (see bench/servers.ts).
  const callAs = Function.prototype.call
  const listenerOf = (s: Server, event: string) => {
    const [listener, ...more] = s.listeners(event)
    if (typeof listener !== 'function' || more.length > 0) return undefined
    return (...args: unknown[]) => callAs.call(listener, s, ...args)
  }
  if (built.length === 1) server = built[0] as Server
  else {
    sides = built.map((s) => listenerOf(s, 'request') as Listener)
    side = sides[0]
    server = createServer((req, res) => {
      served++
      ;(side as Listener)(req, res)
    })
    // Upgrades go to the first side that takes them: the WebSocket rows use one proxy alone.
    const upgrade = built.map((s) => listenerOf(s, 'upgrade')).find((l) => l !== undefined)
    if (upgrade !== undefined) server.on('upgrade', upgrade as Upgrade)
  }
}
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  console.log(typeof address === 'object' && address !== null ? address.port : address)
})

/** As in bench/servers.ts: `order[k]` served for `ms`, segment after segment. */
async function alternate(order: number[], ms: number): Promise<Segment[]> {
  const before = served
  while (served === before) await new Promise((resolve) => setTimeout(resolve, 5))
  await new Promise((resolve) => setTimeout(resolve, 100))
  const parts: Segment[] = []
  for (const k of order) {
    side = sides[k]
    const cpu = process.cpuUsage()
    const requests = served
    const start = performance.now()
    await new Promise((resolve) => setTimeout(resolve, ms))
    const used = process.cpuUsage(cpu)
    const took = performance.now() - start
    parts.push({ side: k, cpu: used.user + used.system, requests: served - requests, ms: took })
  }
  return parts
}

process.on('message', async (message: unknown) => {
  if (message === 'cpu') {
    process.send?.({ cpu: process.cpuUsage() })
  } else if (typeof message !== 'object' || message === null) {
  } else if ('use' in message) {
    side = sides[(message as { use: number }).use]
    process.send?.({ using: true })
  } else if ('alternate' in message) {
    const { order, ms } = (message as { alternate: { order: number[]; ms: number } }).alternate
    process.send?.({ alternated: await alternate(order, ms) })
  } else if ('profile' in message) {
    const { profile } = message as { profile: string }
    const { startProfile, stopProfile } = await import('./profiler.ts')
    await (profile === 'start' ? startProfile() : stopProfile(profile))
    process.send?.({ profiled: profile })
  }
})
process.on('disconnect', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))

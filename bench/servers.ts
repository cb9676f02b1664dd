// One benchmark configuration per process: builds it, listens on 127.0.0.1 and prints the
// port. Under the orchestrator it answers 'cpu' IPC messages
// with its CPU time, read between rounds (and profiles on request: bench/profile.ts).
//   node --import tsx bench/servers.ts <config>[+<config>] [port]
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import express from 'express'
import { Hono } from 'hono'
import Koa from 'koa'
import koaMount from 'koa-mount'
import { NodeResponse } from 'srvx/node'
import vhost from 'vhost'
import { type Dispatcher, hosts, mount, paths, subdomains } from '../src/index.ts'
import { toNodeListener } from '../src/node.ts'
import { configs } from './configs.ts'
import type { Segment } from './paired.ts'

// The same tiny answer everywhere: 200, text/plain, "hello".
const TEXT = { 'content-type': 'text/plain', 'content-length': '5' }
const hello = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, TEXT)
  res.end('hello')
}
const helloFetch = (_request: Request) =>
  new Response('hello', { headers: { 'content-type': 'text/plain' } })
const helloSrvx = (_request: Request) =>
  new NodeResponse('hello', { headers: { 'content-type': 'text/plain' } })
// One app object per tenant or host, as real instances would be.
const freshHello = () => (req: IncomingMessage, res: ServerResponse) => hello(req, res)
// Sibling prefixes, so a mount table is not a single entry.
const siblings = { '/api': hello, '/admin': hello }

const node = (app: Dispatcher) => createServer(toNodeListener(app))
const hono = (fetch: (request: Request) => Response | Promise<Response>, plain = false) =>
  createAdaptorServer({ fetch, overrideGlobalObjects: !plain }) as Server

// Tenants and keys are created by the orchestrator's warm-up (warmKeys in load.ts), with
// requests from its own process, before anything is measured.
function tenants(n: number): Server {
  return node(subdomains('example.com', freshHello, { max: n }))
}

function exactHosts(n: number): Server {
  return node(hosts(Array.from({ length: n }, (_, i) => [`t${i}.example.com`, freshHello()])))
}

function expressVhost(n: number): Server {
  const app = express()
  for (let i = 0; i < n; i++) app.use(vhost(`t${i}.example.com`, freshHello()))
  return createServer(app)
}

/** The hand-written limit: one Map from Host to a handler of its own, one get per request. */
function handWrittenMap(n: number): Server {
  const byHost = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>()
  for (let i = 0; i < n; i++) byHost.set(`t${i}.example.com`, freshHello())
  return createServer((req, res) => {
    const app = byHost.get(req.headers.host ?? '')
    if (app === undefined) {
      res.writeHead(404)
      res.end()
    } else app(req, res)
  })
}

const builders: Record<string, () => Server | Promise<Server>> = {
  'node-http': () => createServer(hello),
  'node-http-spread': () => createServer(hello),
  'node-http-aa': () => createServer(hello),
  'map-10k': () => handWrittenMap(10_000),
  'map-100k': () => handWrittenMap(100_000),
  'hono-server': () => hono(helloFetch),
  'hono-server-plain': () => hono(helloFetch, true),
  'mount-node': () => node(mount(null, { ...siblings, '/backend': hello })),
  'mount-fetch': () => node(mount(null, { ...siblings, '/backend': helloFetch })),
  'mount-fetch-plain': () =>
    createServer(
      toNodeListener(mount(null, { ...siblings, '/backend': helloFetch }), {
        overrideGlobalObjects: false,
      }),
    ),
  'srvx-server': async () => {
    const { serve } = await import('srvx/node')
    const running = serve({
      fetch: helloSrvx,
      port: 0,
      hostname: '127.0.0.1',
      manual: true,
      silent: true,
    })
    return running.node?.server as Server
  },
  'mount-srvx': () => node(mount(null, { ...siblings, '/backend': helloSrvx })),
  'mount-1k': () => {
    const table = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`/p${i}`, hello]))
    return node(mount(null, { ...table, '/backend': hello }))
  },
  'mount-nested': () =>
    node(mount(null, { ...siblings, '/a': mount(null, { '/b': mount(null, { '/c': hello }) }) })),
  'hosts-10k': () => exactHosts(10_000),
  'hosts-100k': () => exactHosts(100_000),
  'subdomains-1': () => tenants(1),
  'subdomains-1k': () => tenants(1_000),
  'subdomains-10k': () => tenants(10_000),
  'subdomains-100k': () => tenants(100_000),
  'paths-1k': () => node(paths(null, freshHello, { max: 1_000 })),
  'express-mount': () => {
    const sub = express().use(hello)
    return createServer(express().use('/backend', sub))
  },
  'express-vhost-1': () => expressVhost(1),
  'express-vhost-1k': () => expressVhost(1_000),
  'hono-mount': () => hono(new Hono().mount('/backend', helloFetch).fetch),
  'koa-mount': () => {
    const sub = new Koa().use((ctx) => {
      ctx.type = 'text/plain'
      ctx.body = 'hello'
    })
    return createServer(new Koa().use(koaMount('/backend', sub)).callback())
  },
}

// One configuration, or two joined by '+' behind one listener that serves either, switched
// over IPC: paired rounds alternate the two every quarter second in one process (paired.ts).
const names = (process.argv[2] ?? '').split('+')
if (names.length > 2 || names.some((name) => builders[name] === undefined || !configs.has(name))) {
  console.error(
    `usage: servers.ts <config>[+<config>] [port]; configs: ${Object.keys(builders).join(', ')}`,
  )
  process.exit(2)
}
type Listener = (req: IncomingMessage, res: ServerResponse) => void
const built: Server[] = []
for (const name of names) built.push(await (builders[name] as () => Server | Promise<Server>)())
// Each side called as the server would call it. Not listener.bind(server): an Express app
// has a `bind` of its own (the WebDAV BIND method).
const callAs = Function.prototype.call
// Only a pair needs sides; a single configuration is served by its own server as built.
const sides = (built.length === 1 ? [] : built).map((server): Listener => {
  const listeners = server.listeners('request')
  const [listener] = listeners
  if (listeners.length !== 1 || typeof listener !== 'function') {
    throw new Error('a configuration must have exactly one request listener to be paired')
  }
  return (req, res) => callAs.call(listener, server, req, res)
})
let side = sides[0] as Listener
let served = 0
const server: Server =
  sides.length === 0
    ? (built[0] as Server)
    : createServer((req, res) => {
        served++
        side(req, res)
      })
server.keepAliveTimeout = 60_000
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  const address = server.address()
  console.log(typeof address === 'object' && address !== null ? address.port : address)
})

/**
 * Serves `order[k]` for `ms`, segment after segment, from the first request on (the load
 * generator may take a while to start): CPU time and requests of each.
 */
async function alternate(order: number[], ms: number) {
  const before = served
  while (served === before) await new Promise((resolve) => setTimeout(resolve, 5))
  await new Promise((resolve) => setTimeout(resolve, 100))
  const parts: Segment[] = []
  for (const k of order) {
    side = sides[k] as Listener
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

// 'cpu' → CPU time so far; { use: k } → serve side k; { alternate: { order, ms } } → the
// segments; { profile: 'start' | file } → profiling on, then written to file.
process.on('message', async (message: unknown) => {
  if (message === 'cpu') {
    process.send?.({ cpu: process.cpuUsage() })
  } else if (typeof message !== 'object' || message === null) {
  } else if ('use' in message) {
    side = sides[(message as { use: number }).use] as Listener
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

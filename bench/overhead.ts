// What switchyard adds to one request, in-process and without sockets: the same tiny Node
// handler called bare and through toNodeListener(dispatcher), on genuine IncomingMessage /
// ServerResponse objects, the rows taking turns. Steadier than loopback load on a shared machine.
//   node --import tsx bench/overhead.ts
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { hosts, mount, subdomains } from '../src/index.ts'
import { toNodeListener } from '../src/node.ts'

type Listener = (req: IncomingMessage, res: ServerResponse) => void

const TEXT = { 'content-type': 'text/plain', 'content-length': '5' }
const hello: Listener = (_req, res) => {
  res.writeHead(200, TEXT)
  res.end('hello')
}
// One handler object per host or tenant, as in the loopback bench and as real instances are.
const fresh = (): Listener => (req, res) => hello(req, res)
const socket = new Socket()
const RAW = ['Host', 't0.example.com', 'User-Agent', 'bench', 'Accept', '*/*']

function call(listener: Listener, url: string, host: string, close = true): ServerResponse {
  const req = new IncomingMessage(socket)
  req.url = url
  req.method = 'GET'
  req.rawHeaders = RAW.slice()
  req.rawHeaders[1] = host
  req.headers = { host, 'user-agent': 'bench', accept: '*/*' }
  const res = new ServerResponse(req)
  listener(req, res)
  if (close) res.emit('close')
  return res
}

// In a server the listener is called from `emit`, never inlined into its caller; here five
// distinct listeners first make call()'s call site megamorphic, so the same holds (otherwise
// the dispatch is inlined into the harness, and the figures depend on which row ran first).
const decoys: Listener[] = [
  (_req, res) => res.end('a'),
  (_req, res) => res.end('bb'),
  (_req, res) => void res.end('ccc'),
  (req, res) => res.end(req.url),
  (_req, res) => {
    res.statusCode = 204
    res.end()
  },
]
for (let i = 0; i < 20_000; i++) call(decoys[i % decoys.length] as Listener, '/', 'localhost')

interface Row {
  name: string
  listener: Listener
  url: string
  hosts: string[]
  best: number
}
const rows: Row[] = []
function row(name: string, listener: Listener, url: string, hosts: string[]): Row {
  const entry = { name, listener, url, hosts, best: Number.POSITIVE_INFINITY }
  rows.push(entry)
  return entry
}

// Rows take turns, round by round, and each keeps its best round: interference on a shared
// machine only ever slows a round down, and every row sees the same quiet moments.
function measureAll(rounds = 8, n = 200_000): void {
  for (const r of rows) {
    for (let i = 0; i < 50_000; i++) call(r.listener, r.url, r.hosts[i % r.hosts.length] as string)
  }
  for (let round = 0; round < rounds; round++) {
    for (const r of rows) {
      const hosts = r.hosts
      const start = process.cpuUsage()
      for (let i = 0; i < n; i++)
        call(r.listener, r.url, hosts[(i * 7919) % hosts.length] as string)
      const used = process.cpuUsage(start)
      r.best = Math.min(r.best, ((used.user + used.system) * 1000) / n)
    }
  }
  for (const r of rows)
    console.log(`${r.name.padEnd(34)} ${r.best.toFixed(0).padStart(6)} ns/request`)
}

const tenants = (n: number) => Array.from({ length: n }, (_, i) => `t${i}.example.com`)
// Every tenant created through the listener itself, 100 at a time (maxCreating); each
// response closes once its instance has answered, so no lease stays held.
async function warmTenants(n: number) {
  const listener = toNodeListener(subdomains('example.com', fresh, { max: n }))
  const all = tenants(n)
  for (let i = 0; i < n; i += 100) {
    const open = all.slice(i, i + 100).map((host) => call(listener, '/', host, false))
    await new Promise((resolve) => setImmediate(resolve))
    for (const res of open) res.emit('close')
  }
  return listener
}
const handWritten = (n: number): Listener => {
  const byHost = new Map(tenants(n).map((host) => [host, fresh()]))
  return (req, res) => (byHost.get(req.headers.host as string) ?? hello)(req, res)
}

const bare = row('bare handler', hello, '/backend/x', ['localhost'])
const mounted = row(
  'mount → Node leaf',
  toNodeListener(mount(null, { '/api': hello, '/admin': hello, '/backend': hello })),
  '/backend/x',
  ['localhost'],
)
const one = row('subdomains, 1 live tenant', await warmTenants(1), '/', tenants(1))
const map10k = row('hand-written Map, 10,000 hosts', handWritten(10_000), '/', tenants(10_000))
const many = row('subdomains, 10,000 live tenants', await warmTenants(10_000), '/', tenants(10_000))
const map100k = row('hand-written Map, 100,000 hosts', handWritten(100_000), '/', tenants(100_000))
const most = row(
  'subdomains, 100,000 live tenants',
  await warmTenants(100_000),
  '/',
  tenants(100_000),
)
const prefixes = Object.fromEntries(
  Array.from({ length: 997 }, (_, i) => [`/p${i}/x${i % 7}`, hello]),
)
const mounted1k = row(
  'mount, 1,000 prefixes → Node leaf',
  toNodeListener(mount(null, { ...prefixes, '/api': hello, '/admin': hello, '/backend': hello })),
  '/backend/x',
  ['localhost'],
)
const exactHosts = (n: number) => toNodeListener(hosts(tenants(n).map((host) => [host, fresh()])))
const exact = row('hosts, 10,000 exact hosts', exactHosts(10_000), '/', tenants(10_000))
const exact100k = row('hosts, 100,000 exact hosts', exactHosts(100_000), '/', tenants(100_000))
measureAll()

const added = (r: Row, base = bare) => `${(r.best - base.best).toFixed(0)} ns`
console.log(
  `added over a hand-written Map: hosts ${added(exact, map10k)} (10,000) / ${added(exact100k, map100k)} (100,000)`,
)
console.log(
  `added over a hand-written Map: subdomains ${added(many, map10k)} (10,000) / ${added(most, map100k)} (100,000)`,
)
console.log(`added per request: mount ${added(mounted1k)} with 1,000 prefixes`)
console.log(
  `added per request: mount ${added(mounted)}, subdomains ${added(one)} (1) / ${added(many)} (10,000)`,
)

// The benchmark configurations: what each serves, the requests it gets, and what it is
// compared with. No framework imports here: the orchestrator only needs the metadata.

export type Group = 'baseline' | 'switchyard' | 'peer'

export interface Config {
  name: string
  label: string
  group: Group
  /** Configurations to compare with; the first is "the baseline" of the table. */
  vs: string[]
  /** How many distinct keys (hosts or path segments) requests are spread over. */
  keys: number
  /** The i-th distinct request (0 ≤ i < keys). */
  request(i: number): { path: string; host: string }
  note?: string
}

const LOCAL = 'localhost'
const at = (path: string) => () => ({ path, host: LOCAL })
const tenant = (i: number) => ({ path: '/', host: `t${i}.example.com` })

const list: Config[] = [
  {
    name: 'node-http',
    label: 'bare node:http',
    group: 'baseline',
    vs: [],
    keys: 1,
    request: at('/backend/x'),
  },
  {
    name: 'node-http-aa',
    label: 'bare node:http, again (A/A)',
    group: 'baseline',
    vs: ['node-http'],
    keys: 1,
    request: at('/backend/x'),
    note: 'the same server as bare node:http: its ratio is the noise of this run',
  },
  {
    name: 'map-10k',
    label: 'hand-written Map from Host to handler, 10,000 hosts',
    group: 'baseline',
    vs: [],
    keys: 10_000,
    request: tenant,
    note: 'the hand-written limit for tenant lookup: one Map.get on the Host header',
  },
  {
    name: 'map-100k',
    label: 'hand-written Map from Host to handler, 100,000 hosts',
    group: 'baseline',
    vs: [],
    keys: 100_000,
    request: tenant,
    note: 'the same limit at 100,000 hosts',
  },
  {
    name: 'node-http-spread',
    label: 'bare node:http, requests over 100,000 hosts',
    group: 'baseline',
    vs: [],
    keys: 100_000,
    request: tenant,
    note: 'the same load as the many-tenant configurations: a different Host on every request',
  },
  {
    name: 'hono-server',
    label: '@hono/node-server (defaults)',
    group: 'baseline',
    vs: [],
    keys: 1,
    request: at('/backend/x'),
    note: 'replaces the global Request/Response with its own lighter classes',
  },
  {
    name: 'hono-server-plain',
    label: '@hono/node-server (overrideGlobalObjects: false)',
    group: 'baseline',
    vs: [],
    keys: 1,
    request: at('/backend/x'),
    note: 'global Request/Response untouched: the baseline for overrideGlobalObjects: false',
  },
  {
    name: 'srvx-server',
    label: "srvx's own Node server, FastResponse",
    group: 'baseline',
    vs: [],
    keys: 1,
    request: at('/backend/x'),
    note: 'the same FastResponse served by srvx itself',
  },
  {
    name: 'mount-node',
    label: 'mount → Node leaf',
    group: 'switchyard',
    vs: ['node-http'],
    keys: 1,
    request: at('/backend/x'),
  },
  {
    name: 'mount-fetch',
    label: 'mount → Fetch leaf',
    group: 'switchyard',
    vs: ['hono-server', 'hono-server-plain'],
    keys: 1,
    request: at('/backend/x'),
  },
  {
    name: 'mount-fetch-plain',
    label: 'mount → Fetch leaf, overrideGlobalObjects: false',
    group: 'switchyard',
    vs: ['hono-server-plain'],
    keys: 1,
    request: at('/backend/x'),
  },
  {
    name: 'mount-srvx',
    label: "mount → srvx FastResponse leaf (h3's Response)",
    group: 'switchyard',
    vs: ['srvx-server'],
    keys: 1,
    request: at('/backend/x'),
  },
  {
    name: 'mount-1k',
    label: 'mount with 1,000 prefixes → Node leaf',
    group: 'switchyard',
    vs: ['mount-node', 'node-http'],
    keys: 1,
    request: at('/backend/x'),
  },
  {
    name: 'mount-nested',
    label: 'mount, 3 levels deep',
    group: 'switchyard',
    vs: ['node-http'],
    keys: 1,
    request: at('/a/b/c/x'),
  },
  {
    name: 'hosts-10k',
    label: 'hosts, 10,000 exact hosts',
    group: 'switchyard',
    vs: ['map-10k', 'node-http-spread', 'node-http', 'express-vhost-1k'],
    keys: 10_000,
    request: tenant,
  },
  {
    name: 'hosts-100k',
    label: 'hosts, 100,000 exact hosts',
    group: 'switchyard',
    vs: ['map-100k', 'hosts-10k', 'node-http-spread'],
    keys: 100_000,
    request: tenant,
  },
  ...[1, 1_000, 10_000, 100_000].map(
    (n): Config => ({
      name: `subdomains-${short(n)}`,
      label: `subdomains, ${n.toLocaleString('en-US')} live tenant${n === 1 ? '' : 's'}`,
      group: 'switchyard',
      vs:
        n === 100_000
          ? ['map-100k', 'subdomains-1', 'node-http-spread', 'node-http', 'express-vhost-1k']
          : n === 1
            ? ['node-http', 'express-vhost-1k']
            : n === 10_000
              ? ['map-10k', 'subdomains-1', 'node-http']
              : ['node-http-spread', 'node-http', 'express-vhost-1k'],
      keys: n,
      request: tenant,
    }),
  ),
  {
    name: 'paths-1k',
    label: 'paths, 1,000 live keys',
    group: 'switchyard',
    vs: ['node-http', 'node-http-spread'],
    keys: 1_000,
    request: (i) => ({ path: `/k${i}/x`, host: LOCAL }),
  },
  {
    name: 'express-mount',
    label: "Express app.use('/backend', sub)",
    group: 'peer',
    vs: ['node-http'],
    keys: 1,
    request: at('/backend/x'),
  },
  {
    name: 'express-vhost-1',
    label: 'Express + vhost, 1 host',
    group: 'peer',
    vs: ['node-http'],
    keys: 1,
    request: tenant,
  },
  {
    name: 'express-vhost-1k',
    label: 'Express + vhost, 1,000 hosts',
    group: 'peer',
    vs: ['node-http'],
    keys: 1_000,
    request: tenant,
  },
  {
    name: 'hono-mount',
    label: "Hono app.mount('/backend', …)",
    group: 'peer',
    vs: ['hono-server'],
    keys: 1,
    request: at('/backend/x'),
  },
  {
    name: 'koa-mount',
    label: "Koa + koa-mount('/backend', …)",
    group: 'peer',
    vs: ['node-http'],
    keys: 1,
    request: at('/backend/x'),
  },
]

function short(n: number): string {
  return n >= 1000 ? `${n / 1000}k` : String(n)
}

export const configs: ReadonlyMap<string, Config> = new Map(list.map((c) => [c.name, c]))

/** DESIGN §6, as `name ≥ factor × baseline`, checked on both req/s and CPU per request. */
export const targets: Array<{ name: string; baseline: string; factor: number }> = [
  ...['mount-node', 'hosts-10k', 'subdomains-1', 'subdomains-1k', 'subdomains-100k'].map(
    (name) => ({
      name,
      baseline: 'node-http',
      factor: 0.95,
    }),
  ),
  { name: 'mount-fetch', baseline: 'hono-server', factor: 0.95 },
  { name: 'mount-fetch-plain', baseline: 'hono-server-plain', factor: 0.95 },
  { name: 'hosts-10k', baseline: 'map-10k', factor: 0.95 },
  { name: 'hosts-100k', baseline: 'map-100k', factor: 0.95 },
  { name: 'subdomains-10k', baseline: 'map-10k', factor: 0.95 },
  { name: 'subdomains-100k', baseline: 'map-100k', factor: 0.95 },
  { name: 'mount-1k', baseline: 'mount-node', factor: 0.95 },
  { name: 'subdomains-100k', baseline: 'subdomains-1', factor: 0.9 },
  ...['hosts-10k', 'subdomains-1k', 'subdomains-100k'].map((name) => ({
    name,
    baseline: 'express-vhost-1k',
    factor: 10,
  })),
]

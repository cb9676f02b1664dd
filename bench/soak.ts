// `npm run soak [-- --seconds N --connections N --tenants N --max N --max-creating N]`: the soak loop of
// test/soak.test.ts for longer (default 60 s); exits 1 if any check fails.
import { parseArgs } from 'node:util'
import { SOAK_DEFAULTS, soak } from '../test/support/soak.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    connections: { type: 'string' },
    tenants: { type: 'string' },
    max: { type: 'string' },
    'max-creating': { type: 'string' },
  },
})
const number = (value: string | undefined, fallback: number) => {
  const n = value === undefined ? fallback : Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new TypeError(`not a positive number: ${value}`)
  return n
}
const options = {
  seconds: number(values.seconds, SOAK_DEFAULTS.seconds),
  connections: number(values.connections, SOAK_DEFAULTS.connections),
  tenants: number(values.tenants, SOAK_DEFAULTS.tenants),
  max: number(values.max, SOAK_DEFAULTS.max),
  maxCreating: values['max-creating'] === undefined ? undefined : number(values['max-creating'], 1),
}
console.log(
  `soak: ${options.seconds} s, ${options.connections} keep-alive connections, ` +
    `${options.tenants} tenants, max ${options.max}, maxCreating ${options.maxCreating ?? options.connections}`,
)
const r = await soak(options)
const checks: Array<[string, boolean]> = [
  ['no errors', r.errors === 0],
  ['no cross-tenant responses', r.crossTenant === 0],
  ['no request served by a disposed instance', r.servedAfterDispose === 0],
  [
    'every created instance evicted and disposed once',
    r.creates === r.evictions && r.evictions === r.disposes,
  ],
  [
    `live + draining instances within max + maxCreating (${r.bounds.instances})`,
    r.peakInstances <= r.bounds.instances,
  ],
  [
    `concurrent creations within maxCreating (${r.bounds.creating})`,
    r.peakCreating <= r.bounds.creating,
  ],
]
console.log(`requests          ${r.requests} (${Math.round(r.requests / options.seconds)}/s)`)
console.log(`errors            ${r.errors}`)
console.log(`cross-tenant      ${r.crossTenant}`)
console.log(`after dispose     ${r.servedAfterDispose}`)
console.log(`creates           ${r.creates}`)
console.log(`evictions         ${r.evictions}`)
console.log(`disposes          ${r.disposes}`)
console.log(`busy (503)        ${r.busy}`)
console.log(`peak instances    ${r.peakInstances} live + draining (bound ${r.bounds.instances})`)
console.log(`peak creating     ${r.peakCreating} (bound ${r.bounds.creating})`)
console.log(
  `RSS (MiB)         start ${r.rss.start}, after a third ${r.rss.settled}, end ${r.rss.end}`,
)
for (const e of r.firstErrors) console.log(`  error: ${e}`)
for (const [name, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`)
process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1

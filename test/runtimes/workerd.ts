// Runs a Workers module on workerd through miniflare's API, on 127.0.0.1 and a free port:
//   node --import tsx test/runtimes/workerd.ts <miniflare package dir> <worker.js>
// miniflare is not a dependency of the project (scripts/install-runtimes.sh puts it in
// .runtimes/), so it is loaded from the directory given. No compatibility flags: the
// root entry must run on workerd's defaults.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

interface MiniflareLike {
  ready: Promise<URL>
  dispose(): Promise<void>
}
type MiniflareClass = new (options: Record<string, unknown>) => MiniflareLike

/** A date workerd 1.20260730 supports; newer dates only add behaviour, never flags. */
const COMPATIBILITY_DATE = '2026-07-01'

const [packageDir, script] = process.argv.slice(2)
if (packageDir === undefined || script === undefined) {
  console.error('usage: workerd.ts <miniflare package dir> <worker.js>')
  process.exit(2)
}
const { Miniflare } = (await import(
  pathToFileURL(join(packageDir, 'dist', 'src', 'index.js')).href
)) as { Miniflare: MiniflareClass }

// The module is listed rather than discovered (`modules: true`): the root entry holds one
// computed import() (the Node half, reached only where process.getBuiltinModule exists),
// which miniflare's discovery refuses to follow. wrangler lists its bundle the same way.
const mf = new Miniflare({
  modules: [{ type: 'ESModule', path: script }],
  compatibilityDate: COMPATIBILITY_DATE,
  host: '127.0.0.1',
  port: 0,
})
const url = await mf.ready
console.log(`listening on ${url.origin}`)

let closing = false
const shutdown = (): void => {
  if (closing) return
  closing = true
  mf.dispose().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
// The parent closing our stdin (or dying) stops workerd too.
process.stdin.on('end', shutdown)
process.stdin.resume()

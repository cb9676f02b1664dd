// What the app imports, as the dev worker loads it: every file URL the ESM loader resolves
// (through a resolve hook registered with node:module, so it sees ESM and TypeScript
// alike) and every file in the CommonJS cache. The supervisor watches exactly these, wherever
// they live (`../packages/x`, a `src/` outside the entry's folder), besides the entry's folder.
import { createRequire, register } from 'node:module'
import { fileURLToPath } from 'node:url'
import { MessageChannel } from 'node:worker_threads'

// A module of its own for the loader thread, inline so it needs no loader to be read.
const HOOK = `
let port
export function initialize(data) { port = data.port }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (result.url.startsWith('file:')) port.postMessage(result.url)
  return result
}
`

const cache = createRequire(import.meta.url).cache

/** Starts recording imports; `report` gets the files not seen before, in batches. */
export function recordImports(report: (files: string[]) => void): () => void {
  const seen = new Set<string>()
  let batch: string[] = []
  let scheduled = false
  const add = (file: string) => {
    if (seen.has(file) || file.includes('node_modules')) return
    seen.add(file)
    batch.push(file)
    if (!scheduled) setTimeout(flush, 50)
    scheduled = true
  }
  const flush = () => {
    scheduled = false
    const files = batch
    batch = []
    if (files.length > 0) report(files)
  }
  const { port1, port2 } = new MessageChannel()
  port1.on('message', (url: string) => add(fileURLToPath(url)))
  port1.unref()
  register(`data:text/javascript,${encodeURIComponent(HOOK)}`, {
    data: { port: port2 },
    transferList: [port2],
  })
  // CommonJS modules never pass the ESM hooks; read them from the cache once loaded.
  return () => {
    for (const file of Object.keys(cache)) add(file)
    flush()
  }
}

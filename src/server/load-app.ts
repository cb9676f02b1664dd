// Loads the application a CLI command serves: `app.ts`, `app.ts:name`, or the default entry.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isDispatcher, toTarget } from '../core/leaf.ts'
import type { App } from '../core/types.ts'

/** The files tried, in order, when no entry is given. */
export const DEFAULT_ENTRIES = [
  'app.ts',
  'app.js',
  'app.mjs',
  'src/app.ts',
  'src/app.js',
  'index.ts',
  'index.js',
]

const EXPORT_NAMES = ['default', 'application', 'app']
const TYPESCRIPT = /\.(?:c|m)?tsx?$/

export interface EntrySpec {
  /** Absolute path of the module. */
  file: string
  /** The export to use; undefined means default, then `application`, then `app`. */
  exportName: string | undefined
}

/** Parses `file[:name]` (relative to `cwd`); throws an Error with a clear message. */
export function parseEntry(spec: string | undefined, cwd = process.cwd()): EntrySpec {
  if (spec === undefined) {
    const found = DEFAULT_ENTRIES.find((name) => existsSync(resolve(cwd, name)))
    if (found === undefined) {
      throw new Error(`no entry given and none of ${DEFAULT_ENTRIES.join(', ')} exists in ${cwd}`)
    }
    return { file: resolve(cwd, found), exportName: undefined }
  }
  // `C:\x.ts` has a colon too: only a colon after the last path separator names an export.
  const colon = spec.lastIndexOf(':')
  const named = colon > Math.max(spec.lastIndexOf('/'), spec.lastIndexOf('\\'), 1)
  const file = resolve(cwd, named ? spec.slice(0, colon) : spec)
  const exportName = named ? spec.slice(colon + 1) : undefined
  if (!existsSync(file)) throw new Error(`entry not found: ${file}`)
  if (exportName === '') throw new Error(`empty export name in "${spec}"`)
  return { file, exportName }
}

let typescriptRegistered = false

/** Imports the entry (TypeScript through tsx) and returns the app it exports. */
export async function loadEntry(entry: EntrySpec): Promise<App> {
  const module = namespaceOf(await importEntry(entry.file))
  const names = entry.exportName === undefined ? EXPORT_NAMES : [entry.exportName]
  const name = names.find((candidate) => module[candidate] !== undefined)
  if (name === undefined) {
    const wanted = names.map((n) => (n === 'default' ? 'a default export' : `"${n}"`)).join(', ')
    throw new Error(
      `${entry.file} has no ${wanted}; exports: ${Object.keys(module).join(', ') || 'none'}`,
    )
  }
  const app = module[name]
  toTarget(app, `${entry.file} export "${name}"`)
  return app as App
}

// Import first as is: when TypeScript already loads (the process runs under tsx), a second
// loader would give the entry its own copies of modules already loaded.
async function importEntry(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href
  try {
    return (await import(url)) as Record<string, unknown>
  } catch (error) {
    const code = (error as { code?: string }).code
    if (!TYPESCRIPT.test(file) || typescriptRegistered || code !== 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw error
    }
  }
  // Both module systems: in a `"type": "commonjs"` package (what `npm init -y` writes),
  // Node loads `app.ts` as CommonJS, through require, which needs tsx's CommonJS hook too.
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')])
  esm.register()
  cjs.register()
  typescriptRegistered = true
  // The failed import is cached under its URL; a query makes it a new module request.
  return (await import(`${url}?ts`)) as Record<string, unknown>
}

// A CommonJS entry reaches import() as `{ default: module.exports }`: its exports are one
// level down, whether they are an ES module compiled to CommonJS (`__esModule`, a .ts entry
// in a "type": "commonjs" package) or plain (`module.exports = { app }`). The namespace is
// the exports object unless `module.exports` is itself the app.
function namespaceOf(module: Record<string, unknown>): Record<string, unknown> {
  const inner = module.default
  if (typeof inner !== 'object' || inner === null) return module
  if ((inner as { __esModule?: unknown }).__esModule === true)
    return inner as Record<string, unknown>
  const isApp = typeof (inner as { fetch?: unknown }).fetch === 'function' || isDispatcher(inner)
  const exportsApp = EXPORT_NAMES.some(
    (name) => (inner as Record<string, unknown>)[name] !== undefined,
  )
  return !isApp && exportsApp ? (inner as Record<string, unknown>) : module
}

// Bundles the root entry (src/index.ts) the way a Worker or browser build would:
// platform browser, ESM, nothing external, minified. Prints its size and gzip size,
// and fails when the bundle cannot be built because a node:* import crept in, or
// when the code uses a Node-only global such as Buffer or process (DESIGN §4: the
// root entry runs on Bun, Deno and workerd unchanged).
//
//   npm run bundle                  writes node_modules/.cache/switchyard/switchyard.js
//   npm run bundle -- --out file    writes elsewhere
//
// The runtime tests (test/runtimes.test.ts) import bundleRoot() and run the result on
// Bun, Deno and workerd.

import { mkdirSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { type BuildOptions, build, type Plugin } from 'esbuild'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const ENTRY = join(ROOT, 'src', 'index.ts')
/** Build outputs live under node_modules/.cache: ignored by git, Biome and tsc alike. */
export const BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'switchyard')
export const BUNDLE = join(BUILD_DIR, 'switchyard.js')

export interface BundleResult {
  outfile: string
  bytes: number
  gzipBytes: number
  /** The largest inputs by bytes in the output, largest first. */
  inputs: Array<{ path: string; bytes: number }>
}

export class BundleError extends Error {
  override name = 'BundleError'
}

const builtins = new Set(builtinModules)

/**
 * Refuses node:* and bare Node built-in specifiers ('events', 'stream'), naming the
 * importer, instead of esbuild's generic "could not resolve" (or, worse, silently
 * resolving 'events' to an npm polyfill that happens to be installed).
 */
const noNodeBuiltins: Plugin = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const bare = args.path.split('/')[0] ?? args.path
      if (!args.path.startsWith('node:') && !builtins.has(bare)) return undefined
      return {
        errors: [
          {
            text: `"${args.path}" is a Node built-in: the root entry must run on Bun, Deno and workerd without node:* modules (DESIGN §4)`,
          },
        ],
      }
    })
  },
}

/**
 * Globals Node has and workerd (without nodejs_compat) lacks. A bare reference is an
 * error, `typeof X` is fine; code that wants one where it exists reads
 * `globalThis.process`.
 */
const NODE_GLOBALS = [
  'Buffer',
  'process',
  'global',
  'setImmediate',
  'clearImmediate',
  '__dirname',
  '__filename',
]
const MARK = '__switchyard_node_global_'

const OPTIONS: BuildOptions = {
  entryPoints: [ENTRY],
  absWorkingDir: ROOT,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'silent',
  legalComments: 'none',
  plugins: [noNodeBuiltins],
}

type Message = { text: string; location?: Location | null }

async function run<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt()
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors
    if (errors === undefined) throw error
    const lines = errors.map((e) => {
      const at = e.location == null ? '' : `${e.location.file}:${e.location.line}: `
      return `  ${at}${e.text}`
    })
    throw new BundleError(`the root bundle failed:\n${lines.join('\n')}`)
  }
}

/**
 * Finds bare references to NODE_GLOBALS: an unminified build in which esbuild's
 * `define` renames each free reference (never a local or a property) to a marker.
 */
async function nodeGlobalsUsed(): Promise<string[]> {
  const define = Object.fromEntries(NODE_GLOBALS.map((name) => [name, `${MARK}${name}`]))
  const result = await run(() => build({ ...OPTIONS, define, write: false }))
  const text = result.outputFiles[0]?.text ?? ''
  const found: string[] = []
  const lines = text.split('\n')
  let file = ''
  for (const line of lines) {
    const source = /^\/\/ (\S+)$/.exec(line)
    if (source?.[1] !== undefined) file = source[1]
    for (const match of line.matchAll(new RegExp(`(typeof\\s+)?${MARK}(\\w+)`, 'g'))) {
      if (match[1] === undefined) found.push(`${file}: ${match[2]} (${line.trim().slice(0, 80)})`)
    }
  }
  return found
}

/** Builds the root bundle and writes it to `outfile`; throws BundleError when it fails. */
export async function bundleRoot(outfile: string = BUNDLE): Promise<BundleResult> {
  const result = await run(() => build({ ...OPTIONS, minify: true, metafile: true, write: false }))
  const globals = await nodeGlobalsUsed()
  if (globals.length > 0) {
    throw new BundleError(
      `the root bundle uses Node-only globals, which workerd does not have:\n  ${globals.join('\n  ')}`,
    )
  }
  const file = result.outputFiles[0]
  if (file === undefined) throw new BundleError('esbuild produced no output')
  mkdirSync(dirname(outfile), { recursive: true })
  writeFileSync(outfile, file.contents)
  const output = Object.values(result.metafile.outputs)[0]
  const inputs = Object.entries(output?.inputs ?? {})
    .map(([path, { bytesInOutput }]) => ({ path, bytes: bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes)
  return {
    outfile,
    bytes: file.contents.byteLength,
    gzipBytes: gzipSync(file.contents, { level: 9 }).byteLength,
    inputs,
  }
}

interface Location {
  file: string
  line: number
}

export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, top: { type: 'string', default: '8' } },
  })
  const outfile = values.out === undefined ? BUNDLE : resolve(values.out)
  try {
    const r = await bundleRoot(outfile)
    console.log(`switchyard root bundle: ${kib(r.bytes)} minified, ${kib(r.gzipBytes)} gzip`)
    console.log(`  written to ${relative(process.cwd(), r.outfile) || r.outfile}`)
    const top = Number(values.top)
    if (top > 0) {
      console.log(`  largest inputs:`)
      for (const input of r.inputs.slice(0, top)) {
        console.log(`    ${kib(input.bytes).padStart(9)}  ${input.path}`)
      }
    }
  } catch (error) {
    console.error(error instanceof BundleError ? error.message : error)
    process.exitCode = 1
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main()
}

// Builds what the runtime tests run: the root bundle (scripts/bundle-root.ts), then one
// self-contained module per runtime (bun.ts, deno.ts, worker.ts with the fixture app and
// Hono), in which the fixture's import of src/index.ts is the root bundle itself.
import { join, resolve } from 'node:path'
import { build, type Plugin } from 'esbuild'
import { BUILD_DIR, type BundleResult, bundleRoot, ENTRY, ROOT } from '../../scripts/bundle-root.ts'

export const RUNTIMES_BUILD = join(BUILD_DIR, 'runtimes')

export interface RuntimeBuild {
  root: BundleResult
  bun: string
  deno: string
  worker: string
}

/** Throws BundleError when the root bundle fails (a node:* import, say). */
export async function buildRuntimeFixtures(): Promise<RuntimeBuild> {
  const root = await bundleRoot()
  const useBundle: Plugin = {
    name: 'root-entry-is-the-bundle',
    setup(b) {
      b.onResolve({ filter: /src\/index\.ts$/ }, (args) =>
        resolve(args.resolveDir, args.path) === ENTRY ? { path: root.outfile } : undefined,
      )
    },
  }
  const here = join(ROOT, 'test', 'runtimes')
  await build({
    entryPoints: ['bun', 'deno', 'worker'].map((name) => join(here, `${name}.ts`)),
    absWorkingDir: ROOT,
    outdir: RUNTIMES_BUILD,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [useBundle],
  })
  return {
    root,
    bun: join(RUNTIMES_BUILD, 'bun.js'),
    deno: join(RUNTIMES_BUILD, 'deno.js'),
    worker: join(RUNTIMES_BUILD, 'worker.js'),
  }
}

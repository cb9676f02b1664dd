// The layers of src/, lowest first: a file may import its own layer and those below it.
// `npm test` runs this check (npm run check:layers) on src/ compiled to plain JavaScript in
// .cache/layers/, so the graph is the one that runs: type-only imports are gone.
const SRC = '\\.cache/layers'
const LAYERS = [
  'parse',
  'core',
  'process',
  'cache',
  'invoke',
  'entry',
  'dispatch',
  'proxy',
  'metrics',
  'server',
  'dev',
  'cli',
]

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `${layer}/ may not import a layer above it (${LAYERS.slice(i + 1).join(', ')})`,
  severity: 'error',
  from: { path: `^${SRC}/${layer}/` },
  to: { path: `^${SRC}/(${LAYERS.slice(i + 1).join('|')})/` },
}))

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles make the layers meaningless',
      severity: 'error',
      from: { path: `^${SRC}/` },
      to: { circular: true },
    },
    ...upward,
    {
      name: 'root-entry-runtime-neutral',
      comment: 'switchyard (src/index.ts) runs on Bun, Deno and Workers: no node:* at run time',
      severity: 'error',
      from: { path: `^${SRC}/index\\.js$` },
      to: {
        path: '^(node:)?(http|https|http2|net|stream|events|fs|path|url|os|crypto|buffer|util|child_process|cluster|module|inspector|zlib|tls|dns|worker_threads)$',
        reachable: true,
      },
    },
    {
      name: 'parse-is-pure',
      comment: 'parse/ holds pure functions: no runtime modules at all',
      severity: 'error',
      from: { path: `^${SRC}/parse/` },
      to: { dependencyTypes: ['core', 'npm'] },
    },
    {
      name: 'entries-only-re-export',
      comment: 'Public entries are re-exports; nothing imports them from inside src/',
      severity: 'error',
      from: { path: `^${SRC}/(?!bin\\.js)` },
      to: { path: `^${SRC}/(index|node|metrics)\\.js$` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
  },
}

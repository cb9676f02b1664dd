// Reads a V8 .cpuprofile and ranks functions by self time.
//   node --import tsx bench/cpuprofile.ts <file.cpuprofile> [--src]
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap, type SourceMapPayload } from 'node:module'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
}

export interface SelfTime {
  fn: string
  where: string
  percent: number
}

export interface Profiled {
  /** Shares of the busy samples (idle excluded). */
  gc: number
  /** Samples under a src/ frame nearer than any bench/ frame: switchyard and the Node
   * internals it calls, not the app it dispatches to. */
  switchyard: number
  rows: SelfTime[]
  /** Self time of the functions running under switchyard frames (see `switchyard`). */
  under: SelfTime[]
}

/** Self time per function, as a share of the busy samples. */
export function selfTimes(file: string): Profiled {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const line = lineMapper(file.replace(/\.cpuprofile$/, '.maps.json'))
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, ProfileNode>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node)
  const owner = new Map<number, string>()
  const ownerOf = (node: ProfileNode | undefined): string => {
    if (node === undefined) return 'other'
    let found = owner.get(node.id)
    if (found === undefined) {
      const url = node.callFrame.url
      found = url.includes('/src/')
        ? 'src'
        : url.includes('/bench/')
          ? 'app'
          : ownerOf(parent.get(node.id))
      owner.set(node.id, found)
    }
    return found
  }
  const byFn = new Map<string, { fn: string; where: string; hits: number }>()
  const underFn = new Map<string, { fn: string; where: string; hits: number }>()
  let busy = 0
  let gc = 0
  let switchyard = 0
  for (const id of profile.samples) {
    const node = nodes.get(id) as ProfileNode
    const { functionName, url } = node.callFrame
    if (functionName === '(idle)' || functionName === '(program)') continue
    busy++
    if (functionName === '(garbage collector)') gc++
    const where = url === '' ? '' : `${shorten(url)}:${line(node.callFrame)}`
    const key = `${functionName}@${where}`
    for (const table of ownerOf(node) === 'src' ? [byFn, underFn] : [byFn]) {
      const row = table.get(key) ?? { fn: functionName || '(anonymous)', where, hits: 0 }
      row.hits++
      table.set(key, row)
    }
  }
  for (const row of underFn.values()) switchyard += row.hits
  const share = (n: number) => (100 * n) / Math.max(1, busy)
  const ranked = (table: typeof byFn) =>
    [...table.values()]
      .sort((a, b) => b.hits - a.hits)
      .map((row) => ({ fn: row.fn, where: row.where, percent: share(row.hits) }))
  return {
    gc: share(gc),
    switchyard: share(switchyard),
    rows: ranked(byFn),
    under: ranked(underFn),
  }
}

/** Original line numbers through the source maps bench/profiler.ts saved, when there are any. */
function lineMapper(mapsFile: string): (frame: ProfileNode['callFrame']) => number {
  const payloads: Record<string, SourceMapPayload> = existsSync(mapsFile)
    ? JSON.parse(readFileSync(mapsFile, 'utf8'))
    : {}
  const maps = new Map<string, SourceMap>()
  return ({ url, lineNumber, columnNumber }) => {
    const payload = payloads[url]
    if (payload === undefined) return lineNumber + 1
    let map = maps.get(url)
    if (map === undefined) {
      map = new SourceMap(payload)
      maps.set(url, map)
    }
    const entry = map.findEntry(lineNumber, columnNumber) as { originalLine?: number }
    return (entry.originalLine ?? lineNumber) + 1
  }
}

/** Paths relative to the project, `node:` and dependencies by package. */
function shorten(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  const modules = path.lastIndexOf('node_modules/')
  if (modules >= 0) return path.slice(modules + 'node_modules/'.length)
  const root = process.cwd()
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path
}

export function formatRows(rows: SelfTime[], limit: number): string {
  return rows
    .slice(0, limit)
    .map((r) => `${r.percent.toFixed(1).padStart(5)}%  ${r.fn}  ${r.where}`)
    .join('\n')
}

if (process.argv[1] === import.meta.filename) {
  const file = process.argv[2]
  if (file === undefined) throw new Error('usage: cpuprofile.ts <file.cpuprofile> [--src]')
  const { rows, gc, switchyard } = selfTimes(file)
  const shown = process.argv.includes('--src')
    ? rows.filter((r) => r.where.startsWith('src/'))
    : rows
  console.log(`GC ${gc.toFixed(1)}%, under switchyard ${switchyard.toFixed(1)}% of busy samples`)
  console.log(formatRows(shown, 25))
}

// In-process V8 CPU profiling (what --cpu-prof does), started and stopped over IPC so the
// profile holds the measured load only, not start-up or the creation of 100,000 tenants.
import { readdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { findSourceMap } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const session = new Session()

function post(method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result)))
  })
}

export async function startProfile(): Promise<void> {
  session.connect()
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: 200 })
  await post('Profiler.start')
}

/**
 * Writes the profile to `file`, and next to it (`.maps.json`) the source maps of the
 * loaded src/ modules: tsx runs them as one-line transforms, so positions need mapping.
 */
export async function stopProfile(file: string): Promise<void> {
  const { profile } = (await post('Profiler.stop')) as { profile: unknown }
  session.disconnect()
  writeFileSync(file, JSON.stringify(profile))
  const maps: Record<string, unknown> = {}
  const root = join(import.meta.dirname, '..', 'src')
  for (const entry of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const url = pathToFileURL(join(root, entry)).href
    const map = entry.endsWith('.ts') ? findSourceMap(url) : undefined
    if (map !== undefined) maps[url] = map.payload
  }
  writeFileSync(file.replace(/\.cpuprofile$/, '.maps.json'), JSON.stringify(maps))
}

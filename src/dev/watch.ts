// Watches what should reload the app: the entry's folder and every file the app imported.
// chokidar, not fs.watch: Node 20's recursive fs.watch loses a file that an editor saves
// atomically (write a copy, rename it over: sed -i, Vim, JetBrains safe-write, git
// checkout), so every later edit of it went unseen; chokidar follows the new file.
import { relative } from 'node:path'
import { watch } from 'chokidar'
import type { Glob } from './glob.ts'

// Dependencies, dot-folders (.git, .cache…) and build output never trigger a reload, and
// only source files do: a log or database file written next to the app must not.
const IGNORED = /(?:^|[/\\])(?:node_modules|dist|build|coverage|\.[^/\\]+)(?:[/\\]|$)/
const SOURCE = /\.(?:[cm]?[jt]sx?|json)$/
// A burst: chokidar reports one save as one event 1–4 ms after it, whether the editor
// writes in place, renames a copy over the file or deletes it first (its `atomic` option),
// and several files saved at once arrive within a few ms. Every reload waits this out.
const DEBOUNCE_MS = 25

export interface SourceWatcher {
  /** Watches these files too (the app's imports outside the folder). */
  add(files: string[]): void
  close(): Promise<void>
}

export interface WatchGlobs {
  /** More to watch (`--watch`): any file they match reloads, source or not. */
  watch?: Glob[]
  /** Never reloads (`--ignore`), even when imported. */
  ignore?: Glob[]
}

/**
 * Calls `onChange(file, files)` once per burst of changes (editors write several times):
 * `file` names the last one for people, `files` holds every path the burst changed.
 */
export function watchSources(
  dir: string,
  onChange: (file: string, files: string[]) => void,
  globs: WatchGlobs = {},
  debounceMs = DEBOUNCE_MS,
): SourceWatcher {
  let timer: ReturnType<typeof setTimeout> | undefined
  let last = ''
  let burst = new Set<string>()
  const extra = globs.watch ?? []
  const ignore = globs.ignore ?? []
  const wanted = (path: string) => extra.some((glob) => glob.test(path))
  const watcher = watch([dir, ...extra.map((glob) => glob.base)], {
    ignoreInitial: true,
    atomic: true,
    ignored: (path, stats) => {
      if (ignore.some((glob) => glob.test(path))) return true
      const rel = relative(dir, path)
      // Outside the folder: files the app imports, and what --watch names.
      if (rel.startsWith('..')) return false
      if (IGNORED.test(rel)) return !wanted(path)
      return stats?.isFile() === true && !SOURCE.test(path) && !wanted(path)
    },
  })
  const imported = new Set<string>()
  const changed = (file: string) => {
    if (!inside(file) && !imported.has(file) && !wanted(file)) return
    last = relative(dir, file) || file
    burst.add(file)
    clearTimeout(timer)
    timer = setTimeout(() => {
      const files = [...burst]
      burst = new Set()
      onChange(last, files)
    }, debounceMs)
  }
  watcher.on('change', changed).on('add', changed)
  watcher.on('unlink', (file) => {
    changed(file)
    // chokidar lets go of a deleted file: a worker that imports it again has it watched.
    imported.delete(file)
  })
  const inside = (file: string) => !relative(dir, file).startsWith('..')
  return {
    add: (files) => {
      // Each worker reports the same files again: chokidar stats each one it is given.
      const outside = files.filter(
        (file) => !inside(file) && SOURCE.test(file) && !imported.has(file),
      )
      for (const file of outside) imported.add(file)
      if (outside.length > 0) watcher.add(outside)
    },
    close: () => {
      clearTimeout(timer)
      return watcher.close()
    },
  }
}

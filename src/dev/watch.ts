// Watches the entry's directory for changes that should reload the app.
import { type FSWatcher, watch } from 'node:fs'

// Dependencies, dot-folders (.git, .cache…) and build output never trigger a reload, and
// only source files do: a log or database file written next to the app must not.
const IGNORED = /(?:^|[/\\])(?:node_modules|dist|build|coverage|\.[^/\\]+)(?:[/\\]|$)/
const SOURCE = /\.(?:[cm]?[jt]sx?|json)$/

/** Calls `onChange(file)` once per burst of changes (editors write several times). */
export function watchTree(
  dir: string,
  onChange: (file: string) => void,
  debounceMs = 80,
): FSWatcher {
  let timer: NodeJS.Timeout | undefined
  let last = ''
  const watcher = watch(dir, { recursive: true }, (_event, file) => {
    if (file === null || IGNORED.test(file) || !SOURCE.test(file)) return
    last = file
    clearTimeout(timer)
    timer = setTimeout(() => onChange(last), debounceMs)
  })
  watcher.on('close', () => clearTimeout(timer))
  return watcher
}

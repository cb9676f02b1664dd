// Globs for --watch and --ignore: `**` any depth, `*` and `?` within one segment, matched
// against absolute paths (a relative pattern is taken from the working directory).
import { isAbsolute, resolve, sep } from 'node:path'

export interface Glob {
  /** The folder to watch for it: the part before the first wildcard. */
  base: string
  test(path: string): boolean
}

export function compileGlob(pattern: string, cwd = process.cwd()): Glob {
  const full = (isAbsolute(pattern) ? pattern : resolve(cwd, pattern)).split(sep).join('/')
  // A final `/**` is the folder and everything below it, as a folder alone is.
  const absolute = full.endsWith('/**') ? full.slice(0, -3) : full
  const segments = absolute.split('/')
  const wild = segments.findIndex((segment) => /[*?]/.test(segment))
  const base = wild < 0 ? absolute : segments.slice(0, wild).join('/') || '/'
  let source = ''
  for (let i = 0; i < absolute.length; i++) {
    const c = absolute[i] as string
    if (c === '*' && absolute[i + 1] === '*') {
      // `**/` is any number of folders, a final `**` anything below.
      const slash = absolute[i + 2] === '/'
      source += slash ? '(?:[^/]*/)*' : '.*'
      i += slash ? 2 : 1
    } else if (c === '*') source += '[^/]*'
    else if (c === '?') source += '[^/]'
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  const regex = new RegExp(`^${source}(?:/.*)?$`)
  return { base, test: (path) => regex.test(path.split(sep).join('/')) }
}

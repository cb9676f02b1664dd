// The apps the reload bench edits, written to a temporary folder so no save touches the
// repository: a copy of the demo (examples/demo) and a generated app of 200 small modules.
// Each has `app.ts` (what `switchyard dev` loads) and `serve.ts` (the same app on
// node:http, what the other tools restart). Save n puts the marker n into one file, and
// the app's answer to GET / then carries it.
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface BenchApp {
  name: string
  dir: string
  /** The file save `n` (from 1) rewrites, and its text carrying `marker`. */
  save(n: number, marker: string): { file: string; text: string }
  /** Writes every edited file back with `marker`, as before the first save. */
  reset(marker: string): void
}

/** A new folder with the repository's node_modules, so the copies import what it does. */
function folder(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-reload-${name}-`))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  return dir
}

/** The demo, its `../../src/` imports pointed at the repository's source; saves edit its page. */
export function demoApp(): BenchApp {
  const dir = folder('demo')
  const from = join(ROOT, 'examples', 'demo')
  const src = join(ROOT, 'src', '/')
  for (const file of readdirSync(from)) {
    const text = readFileSync(join(from, file), 'utf8').replaceAll("'../../src/", `'${src}`)
    writeFileSync(join(dir, file), text)
  }
  writeFileSync(
    join(dir, 'serve.ts'),
    `import { createServer } from 'node:http'
import { toNodeListener, toUpgradeListener } from '${src}node.ts'
import app from './app.ts'

const server = createServer(toNodeListener(app))
server.on('upgrade', toUpgradeListener(app))
server.listen(Number(process.env.PORT), '127.0.0.1')
`,
  )
  const file = join(dir, 'frontend.ts')
  const page = readFileSync(file, 'utf8')
  const heading = '<h1>switchyard demo</h1>'
  if (!page.includes(heading)) throw new Error(`examples/demo/frontend.ts has no ${heading}`)
  const text = (marker: string) => page.replace(heading, `<h1>switchyard demo ${marker}</h1>`)
  return {
    name: 'demo',
    dir,
    save: (_n, marker) => ({ file, text: text(marker) }),
    reset: (marker) => writeFileSync(file, text(marker)),
  }
}

const MODULES = 200
// Modules 100–199 carry a marker each; save n edits module 100 + (n - 1) % 100.
const MARKED = 100
const pad = (i: number) => String(i).padStart(3, '0')

// A small module with a type, a class and a function: work for the TypeScript loader.
const moduleSource = (i: number, marker: string) => `export interface Part${i} {
  id: number
  label: string
}

export class Counter${i} {
  #count = 0
  next(): Part${i} {
    this.#count++
    return { id: ${i} * 1000 + this.#count, label: 'part ${i}' }
  }
}

export const marker${i}: string = '${marker}'

export function weight${i}(n: number): number {
  return (n * ${i + 7}) % 97
}
`

/**
 * 200 modules imported by one entry, a plain node:http handler that uses them all. Each save
 * edits another module, as a person moves through a project.
 */
export function manyModulesApp(): BenchApp {
  const dir = folder('many')
  const file = (i: number) => join(dir, `m${pad(i)}.ts`)
  const imports: string[] = []
  const weights: string[] = []
  const markers: string[] = []
  for (let i = 0; i < MODULES; i++) {
    imports.push(`import { Counter${i}, marker${i}, weight${i} } from './m${pad(i)}.ts'`)
    weights.push(`weight${i}(new Counter${i}().next().id)`)
    if (i >= MARKED) markers.push(`marker${i}`)
  }
  writeFileSync(
    join(dir, 'app.ts'),
    `import type { IncomingMessage, ServerResponse } from 'node:http'
${imports.join('\n')}

const total = [${weights.join(', ')}].reduce((a, b) => a + b, 0)

export default function handler(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain' })
  res.end(\`\${[${markers.join(', ')}].join(' ')} \${total}\\n\`)
}
`,
  )
  writeFileSync(
    join(dir, 'serve.ts'),
    `import { createServer } from 'node:http'
import handler from './app.ts'

createServer(handler).listen(Number(process.env.PORT), '127.0.0.1')
`,
  )
  const edited = (n: number) => MARKED + ((n - 1) % (MODULES - MARKED))
  return {
    name: '200 modules',
    dir,
    save: (n, marker) => ({ file: file(edited(n)), text: moduleSource(edited(n), marker) }),
    reset: (marker) => {
      for (let i = 0; i < MODULES; i++) writeFileSync(file(i), moduleSource(i, marker))
    },
  }
}

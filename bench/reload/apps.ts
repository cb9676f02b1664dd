// The apps the reload bench edits, written to a temporary folder so no save touches the
// repository: a copy of the demo (examples/demo) and a generated app of 200 small modules.
// Each has `app.ts` (what `switchyard dev` loads) and `serve.ts` (the same app on
// node:http, what the other tools restart), and one file the bench saves with a new marker.
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface BenchApp {
  name: string
  dir: string
  /** The file each save rewrites. */
  edited: string
  /** Its text carrying `marker`, which the app's answer to GET / then contains. */
  source(marker: string): string
}

/** A new folder with the repository's node_modules, so the copies import what it does. */
function folder(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-reload-${name}-`))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  return dir
}

/** The demo, its `../../src/` imports pointed at the repository's source. */
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
  const page = readFileSync(join(dir, 'frontend.ts'), 'utf8')
  const heading = '<h1>switchyard demo</h1>'
  if (!page.includes(heading)) throw new Error(`examples/demo/frontend.ts has no ${heading}`)
  return {
    name: 'demo',
    dir,
    edited: join(dir, 'frontend.ts'),
    source: (marker) => page.replace(heading, `<h1>switchyard demo ${marker}</h1>`),
  }
}

const MODULES = 200
const EDITED = 137
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

/** 200 modules imported by one entry, a plain node:http handler that uses them all. */
export function manyModulesApp(): BenchApp {
  const dir = folder('many')
  for (let i = 0; i < MODULES; i++)
    writeFileSync(join(dir, `m${pad(i)}.ts`), moduleSource(i, i === EDITED ? 'rev-0' : 'fixed'))
  const imports: string[] = []
  const weights: string[] = []
  for (let i = 0; i < MODULES; i++) {
    imports.push(`import { Counter${i}, weight${i} } from './m${pad(i)}.ts'`)
    weights.push(`weight${i}(new Counter${i}().next().id)`)
  }
  writeFileSync(
    join(dir, 'app.ts'),
    `import type { IncomingMessage, ServerResponse } from 'node:http'
import { marker${EDITED} } from './m${pad(EDITED)}.ts'
${imports.join('\n')}

const total = [${weights.join(', ')}].reduce((a, b) => a + b, 0)

export default function handler(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain' })
  res.end(\`\${marker${EDITED}} \${total}\\n\`)
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
  return {
    name: '200 modules',
    dir,
    edited: join(dir, `m${pad(EDITED)}.ts`),
    source: (marker) => moduleSource(EDITED, marker),
  }
}

/** The demo's marker is set in its copy before any tool starts. */
export function prepare(app: BenchApp, marker: string): void {
  writeFileSync(app.edited, app.source(marker))
}

// The README and docs/*.md link to each other and to files of the repository: every relative
// link must reach a file that exists, and every #anchor a heading of the page it names (with
// GitHub's slugs), so moving a section cannot leave a dead link behind.
import assert from 'node:assert/strict'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The pages checked: README.md and every docs/*.md under `root`. */
function pages(root: string): string[] {
  const docs = join(root, 'docs')
  const inDocs = existsSync(docs)
    ? readdirSync(docs)
        .filter((name) => name.endsWith('.md'))
        .map((name) => join(docs, name))
    : []
  return [join(root, 'README.md'), ...inDocs]
}

/** Markdown without fenced code blocks, whose contents are no links and no headings. */
function prose(markdown: string): string[] {
  let fence = ''
  return markdown.split('\n').filter((line) => {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line)?.[1]
    if (fence === '') {
      if (opener !== undefined) fence = opener
      return opener === undefined
    }
    if (opener?.startsWith(fence)) fence = ''
    return false
  })
}

/** GitHub's anchor for a heading: lower-case, punctuation dropped, each space a `-`. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

/** Every anchor a page has, numbered as GitHub numbers repeated headings (`-1`, `-2`). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const found = new Set<string>()
  for (const line of prose(markdown)) {
    const text = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1]
    if (text === undefined) continue
    const base = slug(text)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    found.add(count === 0 ? base : `${base}-${count}`)
  }
  return found
}

/** Relative link targets (links and images), code spans blanked so `[::1]` is no link. */
function links(markdown: string): string[] {
  const text = prose(markdown)
    .join('\n')
    .replace(/`+[^`]*`+/g, '`x`')
  const targets: string[] = []
  for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = match[1] as string
    if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) targets.push(target)
  }
  return targets
}

/** One line per dead link: `page: target (why)`. */
function deadLinks(root: string): string[] {
  const dead: string[] = []
  for (const page of pages(root)) {
    const name = relative(root, page)
    for (const target of links(readFileSync(page, 'utf8'))) {
      const hash = target.indexOf('#')
      const path = hash === -1 ? target : target.slice(0, hash)
      const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1))
      const file = path === '' ? page : resolve(dirname(page), decodeURIComponent(path))
      if (!existsSync(file)) {
        dead.push(`${name}: ${target} (no such file)`)
      } else if (anchor !== undefined) {
        if (!file.endsWith('.md')) dead.push(`${name}: ${target} (an anchor in a non-page)`)
        else if (!anchors(readFileSync(file, 'utf8')).has(anchor))
          dead.push(`${name}: ${target} (no such heading)`)
      }
    }
  }
  return dead
}

describe('documentation links', () => {
  it('finds dead files and anchors, and nothing else, in a tree made for it', (t) => {
    const root = mkdtempSync(join(tmpdir(), 'switchyard-docs-'))
    t.after(() => rmSync(root, { recursive: true, force: true }))
    mkdirSync(join(root, 'docs'))
    writeFileSync(join(root, 'picture.png'), '')
    writeFileSync(
      join(root, 'README.md'),
      [
        '# Title',
        '[ok](docs/a.md) [ok](docs/a.md#switchyard-dev-the-server) ![ok](picture.png)',
        '[`ok`](#title) [ok](https://example.com/x.md) [ok](mailto:a@example.com)',
        '`[::1](nothing)` is code, and so is this block:',
        '```md',
        '[not a link](missing.md)',
        '```',
        '[dead](docs/missing.md) ![dead](docs/missing.png) [dead](#no-such-heading)',
      ].join('\n'),
    )
    writeFileSync(
      join(root, 'docs', 'a.md'),
      '# `switchyard dev`: the server\n\n## Notes\n\n## Notes\n\n[ok](#notes-1) [dead](../README.md#notes)\n',
    )
    assert.deepEqual(deadLinks(root), [
      'README.md: docs/missing.md (no such file)',
      'README.md: docs/missing.png (no such file)',
      'README.md: #no-such-heading (no such heading)',
      'docs/a.md: ../README.md#notes (no such heading)',
    ])
  })

  it('slugs headings as GitHub does', () => {
    assert.equal(
      slug('`switchyard dev`: the development server'),
      'switchyard-dev-the-development-server',
    )
    assert.equal(
      slug('Metrics: `switchyard serve --metrics` and `switchyard/metrics`'),
      'metrics-switchyard-serve---metrics-and-switchyardmetrics',
    )
    assert.equal(
      slug('Other runtimes: Bun, Deno, Cloudflare Workers'),
      'other-runtimes-bun-deno-cloudflare-workers',
    )
  })

  it('has no dead relative link in README.md and docs/*.md', () => {
    assert.deepEqual(deadLinks(ROOT), [])
  })

  it('links every docs page from the README', () => {
    const linked = new Set(
      links(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((t) => t.split('#')[0]),
    )
    const unlinked = pages(ROOT)
      .slice(1)
      .map((page) => relative(ROOT, page))
      .filter((page) => !linked.has(page))
    assert.deepEqual(unlinked, [])
  })
})

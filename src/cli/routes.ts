// `switchyard routes [entry]`: prints the dispatch tree, like `flask routes`.
import { describeTarget, toTarget } from '../core/leaf.ts'
import type { RouteNode } from '../core/types.ts'
import { loadEntry, parseEntry } from '../server/load-app.ts'
import { parseCommandArgs, runCommand } from './args.ts'

const HELP = `Usage: switchyard routes [entry] [options]

Prints the dispatch tree of the app the entry exports: mount prefixes, host patterns,
lazy dispatchers with their live keys, and the app at every leaf.

Options:
  -h, --help   show this help`

export function routesCommand(args: string[]): Promise<number> {
  return runCommand(HELP, async () => {
    const { values, positionals } = parseCommandArgs('routes', args, {})
    if (values.help) {
      console.log(HELP)
      return 0
    }
    const entry = parseEntry(positionals[0])
    const app = await loadEntry(entry)
    process.stdout.write(formatRoutes(describeTarget(toTarget(app, 'routes'))))
    return 0
  })
}

/** Renders a route tree with box-drawing branches, one node a line. */
export function formatRoutes(root: RouteNode): string {
  const lines = [describe(root)]
  walk(root, '', lines)
  return `${lines.join('\n')}\n`
}

function walk(node: RouteNode, indent: string, lines: string[]): void {
  const children = node.children ?? []
  children.forEach((child, i) => {
    const last = i === children.length - 1
    lines.push(`${indent}${last ? '└─ ' : '├─ '}${child.match}  →  ${describe(child.node)}`)
    walk(child.node, indent + (last ? '   ' : '│  '), lines)
  })
}

function describe(node: RouteNode): string {
  return node.kind === node.label ? node.kind : `${node.label} [${node.kind}]`
}

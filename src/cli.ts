// The `switchyard` command line: `dev`, `serve` and `routes`, each with its own --help.

/** A command takes its arguments and resolves to the process exit code. */
export type Command = (args: string[]) => Promise<number>

// Loaded on demand: `routes` need not load the server, nor `serve` the reloader.
const COMMANDS: Record<string, Command> = {
  dev: async (args) => (await import('./cli/dev.ts')).devCommand(args),
  serve: async (args) => (await import('./cli/serve.ts')).serveCommand(args),
  routes: async (args) => (await import('./cli/routes.ts')).routesCommand(args),
}

export const USAGE = `Usage: switchyard <command> [entry] [options]

Commands:
  dev [entry]      development server on localhost:5000: reloads on change, error pages
  serve [entry]    production server: workers, graceful shutdown, rolling restart
  routes [entry]   print the dispatch tree

The entry is a module whose default export, \`application\` or \`app\` is the app;
\`file.ts:name\` picks an export. TypeScript entries load directly.
Run \`switchyard <command> --help\` for a command's options.`

/** Runs the CLI with `args` (without the node and script paths); resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE)
    return name === undefined ? 1 : 0
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module')
    console.log(createRequire(import.meta.url)('../package.json').version)
    return 0
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    console.error(`switchyard: unknown command "${name}"\n\n${USAGE}`)
    return 2
  }
  return command(rest)
}

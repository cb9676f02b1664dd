// `switchyard dev [entry]`: the development server (werkzeug's run_simple with reloader).
import { startDevServer } from '../dev/server.ts'
import { parseCommandArgs, parsePort, runCommand } from './args.ts'

const HELP = `Usage: switchyard dev [entry] [options]

Development server: restarts the app on every file change under the entry's directory
while keeping the listening socket (no request is refused during a reload), shows an error
page with source-mapped code frames for failures (and for an entry that fails to load), and
logs each request with the app that served it.

Options:
  -p, --port <n>     port to listen on (default 5000; 0 picks a free one)
      --host <name>  interface to bind (default localhost)
      --inspect      start workers with the Node inspector and print the DevTools URL
      --trust-proxy  read X-Forwarded-Host and X-Forwarded-Prefix
  -h, --help         show this help`

export function devCommand(args: string[]): Promise<number> {
  return runCommand(HELP, async () => {
    const { values, positionals } = parseCommandArgs('dev', args, {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      inspect: { type: 'boolean' },
      'trust-proxy': { type: 'boolean' },
    })
    if (values.help) {
      console.log(HELP)
      return 0
    }
    // Listen for the signals first: one arriving while the server starts still stops it.
    const stopped = new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve())
    })
    const dev = await startDevServer({
      entry: positionals[0],
      port: parsePort(values.port as string | undefined, 5000, 'dev'),
      host: (values.host as string | undefined) ?? 'localhost',
      inspect: values.inspect === true,
      trustProxy: values['trust-proxy'] === true,
    })
    await stopped
    await dev.close()
    return 0
  })
}

// `switchyard dev [entry]`: the development server (werkzeug's run_simple with reloader).
import { type AllowedHosts, parseAllowedHosts } from '../dev/allowed-hosts.ts'
import { startDevServer } from '../dev/server.ts'
import { parseCommandArgs, parsePort, runCommand, UsageError } from './args.ts'

const HELP = `Usage: switchyard dev [entry] [options]

Development server: restarts the app on every change to a source file under the entry's
directory or imported by the app (wherever it lives, atomic saves included) while keeping the listening socket (no request is refused during a reload), shows an error
page with source-mapped code frames for failures (and for an entry that fails to load),
logs each request with the app that served it, and serves a live dashboard at /__switchyard/
(the dispatch tree with its counts, live instances to invalidate, the latest requests).

Because the error pages show source code, only requests whose Host is localhost,
*.localhost, a loopback address or an address the server listens on are answered; any
other Host gets 403 (this stops DNS rebinding: a web page whose name resolves to this
machine cannot read them). --allowed-hosts names more.

Options:
  -p, --port <n>              port to listen on (default: the PORT environment variable,
                              else 5000; 0 picks a free one)
      --host <name>           interface to bind (default localhost); 0.0.0.0 exposes the
                              error pages, and so the source, to anyone who can reach the port
      --allowed-hosts <list>  more Host names to answer, comma-separated: a name
                              (app.test), a domain and its subdomains (.app.test), or
                              all (no check); may be repeated
      --inspect               start workers with the Node inspector and print the DevTools URL
      --live-reload           the app's HTML pages reload after each rebuild too (error
                              pages always do)
      --watch <glob>          more files whose change reloads (repeatable), e.g.
                              '../shared/**/*.json'
      --ignore <glob>         files whose change never reloads (repeatable)
      --trust-proxy           read X-Forwarded-Host and X-Forwarded-Prefix
      --no-spare              keep no worker started ahead: saves its memory (about
                              100 MB), and each reload then starts Node and the loader too
  -h, --help                  show this help`

export function devCommand(args: string[]): Promise<number> {
  return runCommand(HELP, async () => {
    const { values, positionals } = parseCommandArgs('dev', args, {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      inspect: { type: 'boolean' },
      'live-reload': { type: 'boolean' },
      watch: { type: 'string', multiple: true },
      ignore: { type: 'string', multiple: true },
      'trust-proxy': { type: 'boolean' },
      'no-spare': { type: 'boolean' },
      'allowed-hosts': { type: 'string', multiple: true },
    })
    if (values.help) {
      console.log(HELP)
      return 0
    }
    const allowedHosts = allowedHostsOf(values['allowed-hosts'] as unknown as string[] | undefined)
    // Listen for the signals first: one arriving while the server starts stops the start.
    const stop = new AbortController()
    const stopped = new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        process.once(signal, () => {
          stop.abort()
          resolve()
        })
    })
    const dev = await startDevServer({
      entry: positionals[0],
      port: parsePort(values.port as string | undefined, process.env.PORT, 5000, 'dev'),
      host: (values.host as string | undefined) ?? 'localhost',
      inspect: values.inspect === true,
      liveReload: values['live-reload'] === true,
      watch: values.watch as unknown as string[] | undefined,
      ignore: values.ignore as unknown as string[] | undefined,
      trustProxy: values['trust-proxy'] === true,
      spare: values['no-spare'] !== true,
      allowedHosts,
      signal: stop.signal,
    }).catch((error: unknown) => {
      if (stop.signal.aborted) return undefined
      throw error
    })
    if (dev === undefined) return 0
    await stopped
    await dev.close()
    return 0
  })
}

function allowedHostsOf(values: string[] | undefined): AllowedHosts {
  try {
    return parseAllowedHosts(values ?? [])
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

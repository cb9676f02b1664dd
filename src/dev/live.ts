// The browser follows the dev server: pages listen on an event stream of the supervisor's
// own and reload when a new worker is ready. Error pages always do (the fix is usually one
// save away); the app's own HTML pages only with --live-reload, which rewrites them.
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Answered by the supervisor itself, never by the app. */
export const EVENTS_PATH = '/__switchyard/events'

/** Reloads the page once the dev server says a new worker is ready. */
export const RELOAD_SCRIPT = `<script>(() => { const events = new EventSource(${JSON.stringify(EVENTS_PATH)}); events.addEventListener('reload', () => location.reload()) })()</script>`

/** Puts the script before `</body>` (or at the end). */
export function withReloadScript(html: string): string {
  const at = html.lastIndexOf('</body>')
  return at < 0 ? html + RELOAD_SCRIPT : html.slice(0, at) + RELOAD_SCRIPT + html.slice(at)
}

export class LiveReload {
  readonly #pages = new Set<ServerResponse>()

  /** Serves the event stream to one page. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    })
    res.write(': switchyard dev\n\n')
    this.#pages.add(res)
    req.socket.setTimeout(0)
    res.once('close', () => this.#pages.delete(res))
  }

  /** Tells every open page to reload. */
  reload(): void {
    for (const res of this.#pages) res.write('event: reload\ndata: \n\n')
  }

  close(): void {
    for (const res of this.#pages) res.end()
    this.#pages.clear()
  }
}

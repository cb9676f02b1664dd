// Serves the fixture with Deno's own server: `deno run --allow-net <build>/deno.js`.
import { createApp } from './app.ts'

declare const Deno: {
  serve(
    options: {
      port: number
      hostname: string
      onListen: (address: { hostname: string; port: number }) => void
    },
    handler: (request: Request, ...rest: unknown[]) => Promise<Response>,
  ): unknown
}

const app = createApp()
Deno.serve(
  {
    port: 0,
    hostname: '127.0.0.1',
    onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
  },
  app.fetch,
)

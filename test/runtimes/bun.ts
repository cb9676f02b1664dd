// Serves the fixture with Bun's own server: `bun <build>/bun.js`.
import { createApp } from './app.ts'

declare const Bun: {
  serve(options: {
    port: number
    hostname: string
    fetch: (request: Request, ...rest: unknown[]) => Promise<Response>
  }): { url: URL }
}

const app = createApp()
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch })
console.log(`listening on ${server.url.origin}`)

// The fixture as a Workers module: workerd calls `fetch(request, env, ctx)`.
// workerd.ts runs it with miniflare, without compatibility flags.
import { createApp } from './app.ts'

const app = createApp()

export default { fetch: app.fetch }

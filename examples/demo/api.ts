// The API: a Fastify app mounted at "/api" as it is; switchyard starts it (ready()) before
// the first request and closes it with the dispatcher.
import Fastify, { type FastifyInstance } from 'fastify'

export function createApi(): FastifyInstance {
  const app = Fastify()
  app.get('/health', async () => ({ app: 'fastify', status: 'ok' }))
  app.get('/echo/:word', async (request) => ({
    word: (request.params as { word: string }).word,
    url: request.url,
  }))
  return app
}

// The API: a Fastify app mounted at "/api", delivered through its own (unlistened) server.
import Fastify, { type FastifyInstance } from 'fastify'

export async function createApi(): Promise<FastifyInstance> {
  const app = Fastify()
  app.get('/health', async () => ({ app: 'fastify', status: 'ok' }))
  app.get('/echo/:word', async (request) => ({
    word: (request.params as { word: string }).word,
    url: request.url,
  }))
  await app.ready()
  return app
}

// `npm start`: serves the demo on http://localhost:5000 through toNodeListener().
import { createServer } from 'node:http'
import { toNodeListener } from '../../src/node/index.ts'
import { application } from './app.ts'

const port = Number(process.env.PORT ?? 5000)
const host = process.env.HOST ?? 'localhost'
const server = createServer(toNodeListener(application))

server.listen(port, host, () => {
  console.log(`switchyard demo on http://${host}:${port}/`)
  console.log('  /            Hono frontend')
  console.log('  /backend     Express backend')
  console.log('  /api/health  Fastify API')
  console.log(`  http://acme.localhost:${port}/  a tenant, created on first use`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0))
    server.closeIdleConnections()
  })
}

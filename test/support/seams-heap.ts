// Run with --expose-gc (test/seams.test.ts spawns it): 5,000 keep-alive requests through
// the Fetch entry to an Express leaf; prints the heap growth between 1,000 and 5,000.
import express from 'express'
import { hosts } from '../../src/index.ts'
import '../../src/node.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')

const app = express()
app.get('/', (_req, res) => {
  res.send('ok')
})
const tree = hosts({ 'a.example.com': app })

async function run(count: number): Promise<void> {
  const batch = 50
  for (let i = 0; i < count; i += batch) {
    await Promise.all(
      Array.from({ length: batch }, async () => {
        const response = await tree.fetch(
          new Request('http://a.example.com/', { headers: { connection: 'keep-alive' } }),
        )
        if ((await response.text()) !== 'ok') throw new Error(`status ${response.status}`)
      }),
    )
  }
}

async function heap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setImmediate(resolve))
    gc?.()
  }
  return process.memoryUsage().heapUsed
}

await run(1000)
const before = await heap()
await run(4000)
const after = await heap()
console.log(JSON.stringify({ growth: after - before, lastLine: 'ok' }))

// Bodies stream through upstream() with flat memory: an upload and a download many times
// larger than the growth allowed, both checked byte for byte by a sha256 at the far end.
// 256 MiB each way in `npm test`; SWITCHYARD_BIG=1 makes it 1 GiB.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { mount } from '../src/index.ts'
import { upstream } from '../src/node.ts'
import { listen } from './support/http.ts'

const SIZE = (process.env.SWITCHYARD_BIG === '1' ? 1024 : 256) * 1024 * 1024
const CHUNK = Buffer.alloc(64 * 1024, 'switchyard ')
const ALLOWED_GROWTH = 100 * 1024 * 1024

/** Calls `write` until `size` bytes went out, respecting backpressure. */
function pump(
  size: number,
  write: (chunk: Buffer) => boolean,
  drained: (go: () => void) => void,
  end: () => void,
): void {
  let sent = 0
  const next = (): void => {
    while (sent < size) {
      const chunk = size - sent >= CHUNK.length ? CHUNK : CHUNK.subarray(0, size - sent)
      sent += chunk.length
      if (!write(chunk)) {
        drained(next)
        return
      }
    }
    end()
  }
  next()
}

function expectedHash(size: number): string {
  const hash = createHash('sha256')
  for (let sent = 0; sent < size; sent += CHUNK.length)
    hash.update(size - sent >= CHUNK.length ? CHUNK : CHUNK.subarray(0, size - sent))
  return hash.digest('hex')
}

test(`${SIZE / 1024 / 1024} MiB up and down through upstream(): intact, memory flat`, async (t) => {
  const origin = createServer((req, res) => {
    if (req.method === 'POST') {
      const hash = createHash('sha256')
      req.on('data', (chunk: Buffer) => hash.update(chunk))
      req.on('end', () => res.end(hash.digest('hex')))
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    pump(
      SIZE,
      (chunk) => res.write(chunk),
      (go) => res.once('drain', go),
      () => res.end(),
    )
  })
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve))
  const app = mount(null, {
    '/up': upstream(`http://127.0.0.1:${(origin.address() as AddressInfo).port}`),
  })
  const front = await listen(app)
  const base = process.memoryUsage().rss
  let peak = base
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 20)
  try {
    const uploaded = await new Promise<string>((resolve, reject) => {
      const req = request(
        { port: front.port, host: '127.0.0.1', path: '/up/sha', method: 'POST' },
        (res) => {
          let text = ''
          res
            .setEncoding('utf8')
            .on('data', (chunk: string) => (text += chunk))
            .on('end', () => resolve(text))
        },
      )
      req.on('error', reject)
      pump(
        SIZE,
        (chunk) => req.write(chunk),
        (go) => req.once('drain', go),
        () => req.end(),
      )
    })
    const downloaded = await new Promise<{ hash: string; bytes: number }>((resolve, reject) => {
      request({ port: front.port, host: '127.0.0.1', path: '/up/big' }, (res) => {
        const hash = createHash('sha256')
        let bytes = 0
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length
          hash.update(chunk)
        })
        res.on('end', () => resolve({ hash: hash.digest('hex'), bytes }))
      })
        .on('error', reject)
        .end()
    })
    const want = expectedHash(SIZE)
    assert.equal(uploaded, want)
    assert.equal(downloaded.bytes, SIZE)
    assert.equal(downloaded.hash, want)
    t.diagnostic(`RSS growth at peak: ${((peak - base) / 1048576).toFixed(1)} MiB`)
    // Client, proxy and upstream all run in this process: the bound covers all three.
    assert.ok(peak - base < ALLOWED_GROWTH, `RSS grew ${((peak - base) / 1048576).toFixed(0)} MiB`)
  } finally {
    clearInterval(sampler)
    await front.close()
    await app.close()
    origin.close()
  }
})

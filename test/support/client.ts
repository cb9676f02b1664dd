// HTTP clients for fault tests: responses that may be cut short, and clients that go away
// in the middle of an upload or a download.
import { request } from 'node:http'
import { connect } from 'node:net'

export interface Result {
  /** 0: the connection closed before a status line arrived. */
  status: number
  body: string
  /** false when the connection ended before the response did. */
  complete: boolean
}

/** One GET (or `method`) that resolves however the response ends, cut short or not at all. */
export function fetchOnce(
  port: number,
  path: string,
  host: string,
  method = 'GET',
): Promise<Result> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: { host }, agent: false },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
        })
        res.on('error', () => {}) // 'aborted': the outcome is read from res.complete
        res.on('close', () =>
          resolve({ status: res.statusCode ?? 0, body, complete: res.complete }),
        )
      },
    )
    req.on('error', () => resolve({ status: 0, body: '', complete: false }))
    req.end()
  })
}

/** Reads the first chunk of a response, then destroys the connection. */
export function abortDownload(port: number, path: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.once('data', (chunk: Buffer) => {
        req.destroy()
        resolve(chunk.toString())
      })
    })
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)))
    req.end()
  })
}

/**
 * Sends the head of a POST announcing a megabyte and one chunk of it, waits for `started`
 * (the app has seen the chunk), then destroys the socket.
 */
export async function abortUpload(
  port: number,
  path: string,
  host: string,
  started: Promise<unknown>,
): Promise<void> {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1000000\r\n\r\n${'u'.repeat(1000)}`,
  )
  await started
  socket.destroy()
}

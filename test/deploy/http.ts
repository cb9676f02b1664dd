// Requests with a Host of their own to a server on 127.0.0.1, for the affinity and deploy
// tests: each on a fresh connection unless given a keep-alive agent.
import { type Agent, request } from 'node:http'

export interface HostReply {
  status: number
  body: string
  /** The fields of `<pid> <key> <host>`, as the tenant app answers. */
  pid: string
  key: string
  /** The `switchyard serve` process it came from (the tenant app's `x-serve-pid`). */
  serve: string
}

export function getHost(
  port: number,
  host: string,
  path = '/',
  agent: Agent | false = false,
  headers: Record<string, string> = {},
): Promise<HostReply> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path, agent, headers: { ...headers, host } }
    const req = request(options, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => {
        const [pid = '', key = ''] = body.split(' ')
        const serve = String(res.headers['x-serve-pid'] ?? '')
        resolve({ status: res.statusCode ?? 0, body, pid, key, serve })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** The tenant names `t0…t<n-1>` under example.test. */
export function tenantHosts(n: number, domain = 'example.test'): string[] {
  return Array.from({ length: n }, (_, i) => `t${i}.${domain}`)
}

/** `created <key> in <pid>` lines of the tenant app: how many creations per key. */
export function creations(output: string): Map<string, string[]> {
  const byKey = new Map<string, string[]>()
  for (const [, key = '', pid = ''] of output.matchAll(/^created (\S+) in (\d+)$/gm)) {
    byKey.set(key, [...(byKey.get(key) ?? []), pid])
  }
  return byKey
}

// Mount trees built from a MountModel whose leaves record what they saw, and one-call
// dispatch through either entry, for the path properties.
import assert from 'node:assert/strict'
import {
  type Dispatcher,
  fetchApp,
  type MountInfo,
  mount,
  mountInfo,
  node,
} from '../../src/index.ts'
import { toNodeListener } from '../../src/node.ts'
import { callNode } from './inproc.ts'
import type { MountModel } from './path-arbs.ts'

export interface Seen {
  id: string
  info: MountInfo
  /** req.url (Node leaf) or the request URL's pathname (Fetch leaf). */
  url: string
  xfp: string | undefined
}
let seen: Seen | undefined

export function build(model: MountModel, kind: 'node' | 'fetch', id = ''): Dispatcher {
  const leaf = (leafId: string) =>
    kind === 'node'
      ? node((req, res) => {
          const xfp = req.headers['x-forwarded-prefix'] as string | undefined
          seen = { id: leafId, info: mountInfo(req) as MountInfo, url: req.url as string, xfp }
          res.end()
        })
      : fetchApp((request) => {
          const url = new URL(request.url).pathname
          const xfp = request.headers.get('x-forwarded-prefix') ?? undefined
          seen = { id: leafId, info: mountInfo(request) as MountInfo, url, xfp }
          return new Response(null)
        })
  const mounts = model.mounts.map(([p, child, slash]) => {
    const app = child === null ? leaf(id + p) : build(child, kind, id + p)
    return [slash ? `${p}/` : p, app] as const
  })
  return mount(leaf(`${id}*`), mounts)
}

// No path, however odd, is an app failure: anything reported fails the property.
const reports: unknown[] = []
const quiet = { onError: (error: unknown) => void reports.push(error) }

/** The path part of a raw target, as parseTarget cuts it (before `?` or `#`). */
export function pathOf(target: string): string {
  const start = target.startsWith('/') ? 0 : target.indexOf('/', target.indexOf('//') + 2)
  if (start < 0) return '/'
  const m = /^[^?#]*/.exec(target.slice(start)) as RegExpExecArray
  return m[0]
}

/** Dispatches through the Node entry; the leaf's view, or the status when no leaf ran. */
export async function viaNode(model: MountModel, target: string): Promise<Seen | number> {
  seen = undefined
  const { status } = await callNode(toNodeListener(build(model, 'node'), quiet), {
    url: target,
    host: 'h.example',
  })
  assert.deepEqual(reports.splice(0), [])
  return seen ?? status
}

/** Dispatches `http://h.example` + raw through dispatcher.fetch; the leaf's view, or the status. */
export async function viaFetch(model: MountModel, raw: string): Promise<Seen | number> {
  seen = undefined
  const response = await build(model, 'fetch').fetch(new Request(`http://h.example${raw}`))
  return seen ?? response.status
}

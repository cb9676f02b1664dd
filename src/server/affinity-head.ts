// What the affinity primary reads of a connection's first request: where its head ends, and
// the host it names, read as the dispatchers read it (the Host field, or with a trusted proxy
// the last X-Forwarded-Host value; normalized by parseHost). The primary only picks a worker
// with this: the worker's own HTTP parser and the dispatchers still decide every answer.
import { BadHost, forwardedHost, parseHost } from '../parse/host.ts'

/** The head may still be coming: read more. */
export const MORE = -1
/** Not worth waiting for: hand the bytes to any worker, whose parser answers as Node does. */
export const FOREIGN = -2

const CR = 13
const LF = 10
const SP = 32
const END = Buffer.from('\r\n\r\n')

/**
 * The index just past the head's blank line in `buf`; `MORE`; or `FOREIGN` for bytes Node's
 * parser refuses at once (no upper-case method token first, a bare LF line end) and for a
 * head still unfinished after `max` bytes (Node counts header bytes its own way, so the
 * worker decides the 431, not the primary).
 */
export function headEnd(buf: Buffer, max: number): number {
  const end = buf.indexOf(END)
  if (end >= 0) return end + 4
  if (buf.length >= max || !methodSoFar(buf) || bareLF(buf)) return FOREIGN
  return MORE
}

/** Leading empty lines (which Node skips), then A–Z up to a space, as far as `buf` goes. */
function methodSoFar(buf: Buffer): boolean {
  let i = 0
  while (i < buf.length && (buf[i] === CR || buf[i] === LF)) i++
  for (; i < buf.length; i++) {
    const c = buf[i] as number
    if (c === SP) return i > 0
    if (c < 65 || c > 90) return false
  }
  return true
}

function bareLF(buf: Buffer): boolean {
  for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, i + 1)) {
    if (i === 0 || buf[i - 1] !== CR) return true
  }
  return false
}

/**
 * The normalized host the head (latin1, up to and including its blank line) is dispatched
 * on, or `undefined` when it names none the dispatchers would accept (missing, repeated,
 * malformed): such a connection goes to any worker, which answers 400.
 */
export function headHost(head: string, trustProxy: boolean): string | undefined {
  let host: string | undefined
  let repeated = false
  let xfh: string | undefined
  let at = 0
  while (head.charCodeAt(at) === CR || head.charCodeAt(at) === LF) at++
  at = head.indexOf('\r\n', at) + 2 // past the request line
  for (let eol = head.indexOf('\r\n', at); eol > at; eol = head.indexOf('\r\n', at)) {
    const colon = head.indexOf(':', at)
    if (colon > at && colon < eol) {
      const n = colon - at
      if (n === 4 && head.slice(at, colon).toLowerCase() === 'host') {
        if (host !== undefined) repeated = true
        host = fieldValue(head, colon + 1, eol)
      } else if (n === 16 && head.slice(at, colon).toLowerCase() === 'x-forwarded-host') {
        // Node joins repeated fields with ', ', and forwardedHost reads the last element.
        const value = fieldValue(head, colon + 1, eol)
        xfh = xfh === undefined ? value : `${xfh}, ${value}`
      }
    }
    at = eol + 2
  }
  const forwarded = trustProxy ? forwardedHost(xfh) : undefined
  if (forwarded === undefined && repeated) return undefined
  const parsed = parseHost(forwarded ?? host)
  return parsed instanceof BadHost ? undefined : parsed
}

/** The field value without the spaces and tabs around it, as Node trims it. */
function fieldValue(head: string, start: number, end: number): string {
  while (start < end && isOWS(head.charCodeAt(start))) start++
  while (end > start && isOWS(head.charCodeAt(end - 1))) end--
  return head.slice(start, end)
}

const isOWS = (c: number) => c === SP || c === 9

// An upgrade pipelined behind requests still being answered waits for their answers. Node
// hands an upgrade over as soon as it is parsed: a 101 written then would reach the client
// first, and the earlier answers would follow as the new protocol's bytes (answers keep the
// requests' order, RFC 9112 §9.3.2).
import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { drained, readsAgain } from './node-handoff.ts'

/** What a client may send after its upgrade request before the 101, at most, while it waits. */
const MAX_EARLY_BYTES = 64 * 1024

type HttpSocket = Duplex & { _httpMessage?: ServerResponse | null; setTimeout?(ms: number): void }

/**
 * Runs `run(head)` once no answer to an earlier request on the socket is left to write: at
 * once (the usual case), or after the last one's 'finish'. Node keeps the answer being written
 * as the socket's `_httpMessage` until its 'finish', and then hands the socket to the next
 * answer queued, so each 'finish' is followed by another look. Meanwhile the socket is read
 * (Node no longer reads it): what the client sends is kept for `head`, and a client that
 * closes or resets is let go, its earlier answers and the upgrade with it.
 */
export function afterEarlierAnswers(
  socket: Duplex,
  head: Buffer,
  run: (head: Buffer) => void,
): void {
  const s = socket as HttpSocket
  readsAgain(s)
  if (pending(s) === undefined) {
    run(head)
    return
  }
  const early: Buffer[] = [head]
  let size = head.length
  const onData = (chunk: Buffer) => {
    early.push(chunk)
    size += chunk.length
    if (size > MAX_EARLY_BYTES) s.destroy()
  }
  // Node's listener that passes the socket's 'drain' on to the answer being written went
  // with the parser: an answer piped with back-pressure would wait for it forever.
  const onDrain = () => {
    const answer = pending(s)
    if (answer !== undefined) drained(answer)
  }
  let done = false
  const finish = () => {
    done = true
    s.off('data', onData)
    s.off('drain', onDrain)
    s.off('end', gone)
    s.off('close', gone)
  }
  const gone = () => {
    finish()
    // Node took its own 'close' handler off the socket with the upgrade: the request being
    // answered is told here (those queued behind it are out of reach), even if a reset
    // already destroyed its answer.
    s._httpMessage?.req.destroy()
    s.destroy()
  }
  let watched: ServerResponse | undefined
  const look = () => {
    if (done) return
    const answer = pending(s)
    if (answer !== undefined) {
      // 'close' alone when the answer was cut short; after 'finish', a second look is a no-op.
      if (answer !== watched) answer.once('finish', look).once('close', look)
      watched = answer
      return
    }
    finish()
    // An earlier answer closed the connection (`Connection: close`, HTTP/1.0): no upgrade.
    if (!s.writable) return void s.destroy()
    // Handed over as Node hands an upgrade: paused, without the keep-alive timeout that the
    // last answer set.
    s.pause()
    ;(s as { readableFlowing: boolean | null }).readableFlowing = null
    s.setTimeout?.(0)
    run(early.length === 1 ? head : Buffer.concat(early))
  }
  s.on('data', onData)
  s.on('drain', onDrain)
  s.on('end', gone)
  s.on('close', gone)
  look()
}

function pending(socket: HttpSocket): ServerResponse | undefined {
  const answer = socket._httpMessage
  return answer === undefined || answer === null || answer.destroyed ? undefined : answer
}

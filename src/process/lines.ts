// A child's output, one line at a time, so each can carry the child's name in our log.

import type { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'

/** A line longer than this is passed on in pieces rather than held without bound. */
const MAX_LINE = 64 * 1024

/** Calls `onLine` for each line of `stream` (without its "\n" or "\r\n"); a last line without
 *  a newline is passed on when the stream ends. */
export function eachLine(stream: Readable, onLine: (line: string) => void): void {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  const emit = (line: string) => onLine(line.endsWith('\r') ? line.slice(0, -1) : line)
  stream.on('data', (chunk: Buffer) => {
    const text = rest + decoder.write(chunk)
    let start = 0
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      emit(text.slice(start, end))
      start = end + 1
    }
    rest = text.slice(start)
    while (rest.length > MAX_LINE) {
      onLine(rest.slice(0, MAX_LINE))
      rest = rest.slice(MAX_LINE)
    }
  })
  // 'close' as well as 'end': a stream destroyed mid-line still gives up what it had.
  const flush = () => {
    const last = rest + decoder.end()
    rest = ''
    if (last !== '') emit(last)
  }
  stream.once('end', flush)
  stream.once('close', flush)
}

// The dev server's error as JSON, for API clients (curl, fetch, test runners) that ask for
// it: what the HTML page shows minus the code frames, in a few KB.
//   { "error": { "status", "name", "message", "code"?, "stack": [frame…], "cause"? },
//     "request": { "method", "url", "headers" } }
// A frame is { "function"?, "file", "line"?, "column"? }, from the error's stack (source-
// mapped as the page's, file URLs as paths); a cause is described the same way (no status).
// Cookie and Authorization values are redacted: a JSON body is easily pasted or logged.
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import type { RenderedRequest } from '../core/config.ts'
import { inUserCode } from './syntax-error.ts'

export interface JsonFrame {
  function?: string
  file: string
  line?: number
  column?: number
}

export interface JsonError {
  name: string
  message: string
  code?: string | number
  stack: JsonFrame[]
  cause?: JsonError | string
}

const REDACTED = new Set(['cookie', 'authorization', 'proxy-authorization'])
// Causes nest; a chain that loops or runs long ends here.
const MAX_CAUSES = 5

export function renderErrorJson(error: unknown, request: RenderedRequest, status: number): string {
  const document = {
    error: { status, ...describe(inUserCode(error), MAX_CAUSES) },
    request: { method: request.method, url: request.url, headers: redact(request.headers) },
  }
  return `${JSON.stringify(document, null, 2)}\n`
}

function describe(value: unknown, causes: number): JsonError {
  if (!(value instanceof Error)) {
    return { name: 'Error', message: typeof value === 'string' ? value : show(value), stack: [] }
  }
  const code = (value as { code?: unknown }).code
  const described: JsonError = {
    name: value.name,
    message: value.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    stack: parseStack(value.stack),
  }
  if (value.cause !== undefined && causes > 0) {
    described.cause =
      value.cause instanceof Error ? describe(value.cause, causes - 1) : show(value.cause)
  }
  return described
}

// V8's frames: `at fn (place)` or `at place`, place being `file:line:column` or a word
// such as `<anonymous>`. Lines before the first frame belong to the message.
const FRAME = /^\s*at (?:(.+?) \((.+)\)|(.+))$/
const PLACE = /^(.*):(\d+):(\d+)$/

function parseStack(stack: string | undefined): JsonFrame[] {
  const frames: JsonFrame[] = []
  for (const text of stack?.split('\n') ?? []) {
    const frame = FRAME.exec(text)
    if (frame === null) continue
    const [, name, inParens, bare] = frame
    const place = (inParens ?? bare ?? '').trim()
    const at = PLACE.exec(place)
    const parsed: JsonFrame = { file: toPath(at === null ? place : (at[1] as string)) }
    if (name !== undefined) parsed.function = name
    if (at !== null) {
      parsed.line = Number(at[2])
      parsed.column = Number(at[3])
    }
    frames.push(parsed)
  }
  return frames
}

// Loader hooks run from data: URLs hundreds of characters long: their start says enough.
const MAX_FILE = 200

function toPath(file: string): string {
  if (file.length > MAX_FILE) return `${file.slice(0, MAX_FILE)}…`
  if (!file.startsWith('file://')) return file
  try {
    return fileURLToPath(file)
  } catch {
    return file
  }
}

function redact(headers: RenderedRequest['headers']): RenderedRequest['headers'] {
  const shown: RenderedRequest['headers'] = {}
  for (const [name, value] of Object.entries(headers)) {
    shown[name] = REDACTED.has(name.toLowerCase()) && value !== undefined ? '[redacted]' : value
  }
  return shown
}

function show(value: unknown): string {
  return inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY })
}

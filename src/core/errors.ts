// The one error type, and how an error becomes an answer. The funnel (invoke/funnel.ts)
// is the only place that turns failures into responses.
import type { ErrorContext } from './types.ts'

export type { ErrorContext, ErrorReporter } from './types.ts'

export interface HttpErrorOptions {
  cause?: unknown
  /** Already logged where it happened (a factory failure is logged once, not per waiter). */
  logged?: boolean
  /** Response headers the answer carries (`Retry-After`). */
  headers?: Record<string, string>
  /** A 5xx whose message is safe to show the client (a proxy's "the upstream refused"). */
  expose?: boolean
  /**
   * An operational failure its messages fully explain (an upstream refused, timed out): the
   * default log gives it one line, with its cause's message, and no stack.
   */
  brief?: boolean
}

// Symbol.for: an HttpError thrown by a dispatcher of another installed copy of switchyard
// (nested in this copy's tree) is recognised too, so its 400 or 503 is not taken for a 500.
const HTTP_ERROR = Symbol.for('switchyard.httpError')

/** An error that maps to an HTTP status; its message is safe to show the client. */
export class HttpError extends Error {
  readonly [HTTP_ERROR] = true
  readonly logged: boolean
  readonly headers: Record<string, string> | undefined
  readonly expose: boolean
  readonly brief: boolean

  constructor(
    readonly status: number,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'HttpError'
    this.logged = options.logged ?? false
    this.headers = options.headers
    this.expose = options.expose ?? false
    this.brief = options.brief ?? false
  }
}

/** An HttpError of this or another copy of switchyard. */
export function isHttpError(error: unknown): error is HttpError {
  return typeof error === 'object' && error !== null && HTTP_ERROR in error
}

export function logError(error: unknown, context: ErrorContext): void {
  console.error(`[switchyard] ${context.method} ${context.url} failed:`, forLog(error))
}

/** What a log prints of an error: one line for a brief HttpError, else the error itself. */
export function forLog(error: unknown): unknown {
  if (!isHttpError(error) || !error.brief) return error
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : ''
  return `${error.status} ${error.message}${cause}`
}

export interface ErrorAnswer {
  status: number
  text: string
  headers: Record<string, string> | undefined
}

/** The status and client-visible text for an error; details of 5xx stay in the log. */
export function describeError(error: unknown): ErrorAnswer {
  if (isHttpError(error)) {
    const text =
      error.status < 500 || error.expose === true ? error.message : statusText(error.status)
    return { status: error.status, text, headers: error.headers }
  }
  return { status: 500, text: statusText(500), headers: undefined }
}

/** Client errors are the client's business; anything else is reported. */
export function isReportable(error: unknown): boolean {
  if (!isHttpError(error)) return true
  return !error.logged && (error.status >= 500 || error.cause !== undefined)
}

/**
 * What Connect's `next(err)` means: the error's own 4xx/5xx `status` or `statusCode` (as
 * Express's final handler reads it), else 500. 4xx are the client's, so not reported.
 */
export function fromNextError(error: unknown): unknown {
  if (isHttpError(error) || typeof error !== 'object' || error === null) return error
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown }
  const code = typeof status === 'number' ? status : statusCode
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 400 || code > 599) return error
  if (code >= 500) return new HttpError(code, statusText(code), { cause: error })
  return new HttpError(code, statusText(code))
}

// RFC 9110 §15 reason phrases (the root entry cannot borrow node:http's STATUS_CODES).
const TEXTS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  418: "I'm a Teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  510: 'Not Extended',
  511: 'Network Authentication Required',
}

export function statusText(status: number): string {
  return TEXTS[status] ?? 'Error'
}

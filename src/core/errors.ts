// The one error funnel: every failure while dispatching or invoking a leaf ends up here.

/** An error that maps to an HTTP status; its message is safe to show the client. */
export class HttpError extends Error {
  /** Already logged where it happened (a factory failure is logged once, not per waiter). */
  readonly logged: boolean

  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown; logged?: boolean },
  ) {
    super(message, options)
    this.name = 'HttpError'
    this.logged = options?.logged ?? false
  }
}

/** What an entry is told when an app, a factory or a dispose fails. */
export interface ErrorContext {
  method: string
  url: string
}

export type ErrorReporter = (error: unknown, context: ErrorContext) => void

export function logError(error: unknown, context: ErrorContext): void {
  console.error(`[switchyard] ${context.method} ${context.url} failed:`, error)
}

/** The status and client-visible text for an error; details of 5xx stay in the log. */
export function describeError(error: unknown): { status: number; text: string } {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      text: error.status < 500 ? error.message : statusText(error.status),
    }
  }
  return { status: 500, text: statusText(500) }
}

/** Client errors are the client's business; anything else is reported. */
export function isReportable(error: unknown): boolean {
  if (!(error instanceof HttpError)) return true
  return !error.logged && (error.status >= 500 || error.cause !== undefined)
}

const TEXTS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
}

export function statusText(status: number): string {
  return TEXTS[status] ?? 'Error'
}

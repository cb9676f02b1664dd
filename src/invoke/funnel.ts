// The one failure funnel. Every failure of a request, wherever it happens (key function,
// factory, resolve, leaf, response stream, upgrade), comes here: it is reported once,
// every lease is released once, and it is answered on what the entry holds.
import type { EntryConfig } from '../core/config.ts'
import type { DispatchContext } from '../core/context.ts'
import { describeError, type ErrorAnswer, isReportable } from '../core/errors.ts'

/** What an entry holds to answer on: a Node `res`, an upgrade socket, or a Response to make. */
export interface Answerer<R> {
  readonly method: string
  /** The target as the client sent it, for the report. */
  readonly url: string
  /** Part of a response went out: it can only be cut short. */
  started(): boolean
  /** Ends a started response early (never appends to it). */
  cut(): R
  /** Answers with a status page. */
  answer(error: unknown, answer: ErrorAnswer, config: EntryConfig): R
}

export function fail<R>(
  error: unknown,
  ctx: DispatchContext | undefined,
  config: EntryConfig,
  to: Answerer<R>,
): R {
  ctx?.release()
  if (isReportable(error) && ctx?.reported !== true) {
    if (ctx !== undefined) ctx.reported = true
    try {
      config.report(error, { method: to.method, url: to.url })
    } catch {
      // A failing reporter must not keep the request from being answered.
    }
  }
  return to.started() ? to.cut() : to.answer(error, describeError(error), config)
}

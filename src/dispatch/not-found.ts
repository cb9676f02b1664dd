// notFound(): werkzeug's NotFound, an app every entry answers natively.
import { NOT_FOUND } from '../core/leaf.ts'
import type { Dispatcher } from '../core/types.ts'
import { AppDispatcher } from './app.ts'

let shared: AppDispatcher | undefined

/** An app that answers every request with 404 Not Found (werkzeug's NotFound). */
export function notFound(): Dispatcher {
  shared ??= new AppDispatcher(NOT_FOUND)
  return shared
}

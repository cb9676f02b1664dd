// "Combining applications": werkzeug's DispatcherMiddleware.
//
//   application = DispatcherMiddleware(frontend, {'/backend': backend})
import { mount } from '../../src/index.ts'
import { createBackend, createFrontend } from './myapplication.ts'

export const application = mount(createFrontend(), {
  '/backend': createBackend(),
})

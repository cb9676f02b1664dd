// The demo application: three frameworks, one dispatcher.
import { mount } from '../../src/index.ts'
import { createApi } from './api.ts'
import { createBackend } from './backend.ts'
import { createFrontend } from './frontend.ts'

const api = await createApi()

export const application = mount(createFrontend(), {
  '/backend': createBackend(),
  '/api': api.server,
})

export default application

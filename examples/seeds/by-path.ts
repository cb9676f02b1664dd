// "Dispatch by path": the PathDispatcher pattern. The first path segment picks the user;
// without one, the default app gets the request with the path unshifted.
import { paths } from '../../src/index.ts'
import { createApp, createDefaultApp, getUserForPrefix } from './myapplication.ts'

async function makeApp(prefix: string) {
  const user = await getUserForPrefix(prefix)
  if (user !== null) return createApp(user)
  return null
}

export const application = paths(createDefaultApp(), makeApp)

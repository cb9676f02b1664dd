// subdomains(): the Flask docs' SubdomainDispatcher, on label boundaries, with a bounded cache.
import { NOT_FOUND, toTarget } from '../core/leaf.ts'
import type { App } from '../core/types.ts'
import { normalizeDomain, subdomainOf } from '../parse/host.ts'
import { type AppFactory, LazyDispatcher, type LazyOptions } from './lazy.ts'

export interface SubdomainOptions extends LazyOptions {
  /** Serves the bare domain; without it the factory is called with ''. */
  apex?: App
}

/**
 * One lazily created instance per subdomain of `domain`: `a.example.com` has key `a`,
 * `a.b.example.com` key `a.b`. A factory result of null is a 404 (the seed's NotFound);
 * hosts outside the domain (`evilexample.com` included) go to `fallback` (default: 404),
 * never to a tenant.
 */
export function subdomains(
  domain: string,
  create: AppFactory,
  options: SubdomainOptions = {},
): LazyDispatcher {
  const base = normalizeDomain(domain, 'subdomains()')
  const fallback =
    options.fallback == null ? NOT_FOUND : toTarget(options.fallback, 'subdomains() fallback')
  const apex = options.apex === undefined ? undefined : toTarget(options.apex, 'subdomains() apex')
  const extra = [{ match: `(hosts outside ${base})`, target: fallback }]
  if (apex !== undefined) extra.unshift({ match: `${base} (apex)`, target: apex })
  return new LazyDispatcher(
    {
      kind: 'subdomains',
      label: `subdomains of ${base}`,
      keyPattern: `{key}.${base}`,
      key: (ctx) => {
        const key = subdomainOf(ctx.host, base)
        return key === '' && apex !== undefined ? null : key
      },
      // A null key is either the apex (when an apex app is given) or a foreign host.
      fallback: (ctx) => (apex !== undefined && ctx.host === base ? apex : fallback),
      missing: NOT_FOUND,
      extra,
    },
    create,
    options,
    'subdomains()',
  )
}

// switchyard: the runtime-neutral half. Imports no node:* module (Bun, Deno, Workers).

export type { InstanceInfo } from './cache/cache.ts'
export type { ErrorRenderer, RenderedError, RenderedRequest } from './core/config.ts'
export { mountInfo } from './core/info.ts'
export type {
  App,
  ConnectMiddleware,
  Dispatcher,
  ErrorContext,
  ErrorReporter,
  FastifyApp,
  FetchApp,
  FetchHandler,
  KoaApp,
  MountInfo,
  NodeHandler,
  NodeServer,
  RequestView,
  RouteNode,
  UpgradeHandler,
} from './core/types.ts'
export { fetchApp, node, withUpgrade } from './dispatch/app.ts'
export { type HostPatterns, hosts } from './dispatch/hosts.ts'
export {
  type AppFactory,
  type LazyDispatcher,
  type LazyEvent,
  type LazyOptions,
  lazy,
} from './dispatch/lazy.ts'
export { type Mounts, mount } from './dispatch/mount.ts'
export { notFound } from './dispatch/not-found.ts'
export { type PathOptions, paths } from './dispatch/paths.ts'
export { type SubdomainOptions, subdomains } from './dispatch/subdomains.ts'
export { type FetchEntryOptions, type FetchHandlerFn, toFetchHandler } from './entry/fetch.ts'

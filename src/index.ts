export type { InstanceInfo } from './cache/cache.ts'
export {
  type App,
  type FetchApp,
  type FetchHandler,
  fetchApp,
  Leaf,
  type NodeHandler,
  node,
  type UpgradeHandler,
  withUpgrade,
} from './core/app.ts'
export type { RequestView } from './core/context.ts'
export type { ErrorContext, ErrorReporter } from './core/errors.ts'
export { type MountInfo, mountInfo } from './core/info.ts'
export { Dispatcher, type RouteNode } from './dispatch/dispatcher.ts'
export { type HostPatterns, hosts } from './dispatch/hosts.ts'
export {
  type AppFactory,
  LazyDispatcher,
  type LazyEvent,
  type LazyOptions,
  lazy,
} from './dispatch/lazy.ts'
export { type Mounts, mount } from './dispatch/mount.ts'
export { notFound } from './dispatch/not-found.ts'
export { type PathOptions, paths } from './dispatch/paths.ts'
export { type SubdomainOptions, subdomains } from './dispatch/subdomains.ts'
export type { FetchEntryOptions } from './fetch/entry.ts'
export { type FetchHandlerFn, toFetchHandler } from './fetch/handler.ts'

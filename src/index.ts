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
} from './app.ts'
export type { InstanceInfo } from './cache.ts'
export type { RequestView } from './context.ts'
export { Dispatcher, type RouteNode } from './dispatcher.ts'
export type { ErrorContext, ErrorReporter } from './errors.ts'
export type { FetchEntryOptions } from './fetch/entry.ts'
export { type FetchHandlerFn, toFetchHandler } from './fetch/handler.ts'
export { type HostPatterns, hosts } from './hosts.ts'
export { type MountInfo, mountInfo } from './info.ts'
export { type AppFactory, LazyDispatcher, type LazyEvent, type LazyOptions, lazy } from './lazy.ts'
export { type Mounts, mount } from './mount.ts'
export { notFound } from './not-found.ts'
export { type PathOptions, paths } from './paths.ts'
export { type SubdomainOptions, subdomains } from './subdomains.ts'

// switchyard/node: the Node half. Importing it also lets fetch() reach Node apps.
export { type NodeListener, type NodeListenerOptions, toNodeListener } from './entry/node.ts'
export { toUpgradeListener, type UpgradeListener } from './entry/upgrade.ts'
export { type SpawnedApp, type SpawnOptions, spawn } from './proxy/spawn.ts'
export {
  type UpstreamApp,
  type UpstreamOptions,
  type UpstreamTargetInput,
  upstream,
} from './proxy/upstream.ts'
export { type AccessLogLine, type RunningServer, type ServeOptions, serve } from './server/serve.ts'

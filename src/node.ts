export { type NodeListener, type NodeListenerOptions, toNodeListener } from './node/listener.ts'
export { toUpgradeListener, type UpgradeListener } from './node/upgrade.ts'
export { type AccessLogLine, type RunningServer, type ServeOptions, serve } from './server/serve.ts'

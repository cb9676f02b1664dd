export { type NodeListener, type NodeListenerOptions, toNodeListener } from './listener.ts'
export { type AccessLogLine, type RunningServer, type ServeOptions, serve } from './serve.ts'
export { toUpgradeListener, type UpgradeListener } from './upgrade.ts'
